// Canonical bytes of the bonus programme's values (ledger/programme.h), in
// the codec.h conventions: fixed field order, big-endian integers, u16
// counts bounded by the programme's limits, 0/1 flags, and decoders that
// accept only what the encoders write. Byte layouts: docs/formats.md,
// "Bonus programmes".
#pragma once

#include "ledger/codec.h"
#include "ledger/programme.h"

#include <expected>
#include <string>

namespace kopilka::ledger::loyalty {

void write_programme(Writer& w, const Programme& p);
Programme read_programme(Reader& r);  // throws DecodeError, also when check_programme fails
void write_receipt(Writer& w, const Receipt& rc);
Receipt read_receipt(Reader& r);      // throws DecodeError, also when check_receipt fails

Bytes encode_programme(const Programme& p);
std::expected<Programme, std::string> decode_programme(ByteView bytes);
// BLAKE2b-256 of encode_programme: what the next version's `previous` names.
Hash256 programme_hash(const Programme& p);

Bytes encode_receipt(const Receipt& r);

Bytes encode_client(const Client& c);
Client decode_client(ByteView bytes);  // throws DecodeError
Bytes encode_purchase_record(const PurchaseRecord& p);
PurchaseRecord decode_purchase_record(ByteView bytes);  // throws DecodeError

}  // namespace kopilka::ledger::loyalty
