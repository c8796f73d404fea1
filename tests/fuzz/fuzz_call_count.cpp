// The server's count of JSON-RPC calls in a raw body (node/server.h,
// jsonrpc_call_count), which the per-address request limit charges before
// anything is parsed. Never crashes, never says 0; and for every body that is
// valid JSON it is exact: a non-empty array counts its elements, anything
// else 1. A smaller count would let a batch slip past the limit.
#include "fuzz.h"
#include "node/server.h"

#include <boost/json/parse.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = kopilka::fuzz::text_of(data, size);
    const std::size_t counted = kopilka::node::jsonrpc_call_count(body);
    KOPILKA_FUZZ_CHECK(counted >= 1);
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec);
    if (ec) return 0;
    const std::size_t calls = v.is_array() && !v.as_array().empty() ? v.as_array().size() : 1;
    KOPILKA_FUZZ_CHECK(counted == calls);
    return 0;
}
