// The header reader of uploaded images (node/media_image.h), which reads
// bytes anyone may POST to /media. Never crashes or reads past the input;
// for each declared type, a success means the magic bytes are that type's and
// the size is above 0, and "wrong type" means they are not.
#include "fuzz.h"
#include "node/media_image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace kopilka::node;
    const auto bytes = kopilka::fuzz::bytes_of(data, size);
    const auto magic = image_type_of_magic(bytes);
    for (ImageType t : {ImageType::png, ImageType::jpeg, ImageType::webp}) {
        const auto info = read_image_header(bytes, t);
        if (info) {
            KOPILKA_FUZZ_CHECK(magic == t);
            KOPILKA_FUZZ_CHECK(info->type == t);
            KOPILKA_FUZZ_CHECK(info->width > 0 && info->height > 0);
        } else {
            KOPILKA_FUZZ_CHECK((info.error().code == ImageError::wrong_type) == (magic != t));
            KOPILKA_FUZZ_CHECK(!info.error().message.empty());
        }
    }
    return 0;
}
