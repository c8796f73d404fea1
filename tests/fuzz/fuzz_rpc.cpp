// The JSON-RPC request handler without the network: each input is an HTTP
// body handed to Node::handle, as node/server.cpp would after reading it.
// Never crashes, hangs or throws; every reply is empty (notifications only)
// or valid JSON.
//
// One node serves every input: it is set up once per process on a temporary
// data dir (kopilkad init's genesis and keys), with a venue, a product, a
// staff member and a transfer already committed so that queries reach real
// state, and removed when the fuzzer exits.
#include "fuzz.h"
#include "node/node.h"
#include "support.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>

using namespace kopilka;

namespace {

// The keys and ticker the seed corpus (make_corpus.cpp) names.
constexpr std::string_view fuzz_ticker = "VOLODYA";
constexpr std::uint32_t owner_key = 10, staff_key = 11, client_key = 12;

std::string call(node::Node& n, std::string body) {
    std::promise<std::string> reply;
    auto answered = reply.get_future();
    node::CallContext ctx;
    ctx.client_ip = "127.0.0.1";
    n.handle(std::move(body), std::move(ctx), [&reply](std::string r) { reply.set_value(std::move(r)); });
    return answered.get();
}

boost::json::value call_json(node::Node& n, std::string_view method, const boost::json::object& params) {
    boost::json::object req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    return boost::json::parse(call(n, boost::json::serialize(req)));
}

struct FuzzNode {
    test::TempDir dir{"kopilka-fuzz-rpc"};
    node::SystemClock clock;
    node::Log log{node::LogLevel::error};  // quiet: libFuzzer's own output matters
    std::unique_ptr<node::Node> node;

    FuzzNode() {
        if (auto ok = node::init_data_dir(dir.path(), {.chain_name = "kopilka-fuzz"}); !ok) fail(ok.error());
        node::Config config;
        config.data_dir = dir.path();
        config.verify_threads = 1;
        config.block_interval_ms = 1;
        auto opened = node::Node::open(config, clock, log);
        if (!opened) fail(opened.error());
        node = std::move(*opened);
        node->start();
        populate();
    }
    ~FuzzNode() {
        if (node) node->stop();
        node.reset();
    }

    [[noreturn]] static void fail(const std::string& why) {
        std::fprintf(stderr, "fuzz_rpc setup: %s\n", why.c_str());
        std::abort();
    }

    void populate() {
        const auto genesis = call_json(*node, "chain.genesis", {});
        auto chain_hex = from_hex(genesis.at("result").at("chain_id").as_string());
        if (!chain_hex || chain_hex->size() != hash_bytes) fail("no chain id");
        ChainId chain{};
        std::copy(chain_hex->begin(), chain_hex->end(), chain.begin());
        test::TxBuilder tx(chain);
        tx.set_time_ms(clock.now_ms());
        const auto owner = test::test_key(owner_key), staff = test::test_key(staff_key);
        const std::string ticker(fuzz_ticker);
        for (const auto& stx : {tx.venue_create(owner, ticker), tx.product(owner, ticker, 1, "Coffee", 100),
                                tx.staff_add(owner, ticker, staff),
                                tx.transfer(owner, ticker, ledger::Account::of_key(staff.public_key()), 10'000),
                                tx.transfer(staff, ticker,
                                            ledger::Account::of_key(test::test_key(client_key).public_key()), 300)}) {
            const auto r = call_json(*node, "tx.submit",
                                     {{"blob", to_base64url(ledger::encode_signed_tx(stx))}, {"wait", true}});
            if (!r.as_object().contains("result")) fail("populate: " + boost::json::serialize(r));
        }
    }
};

FuzzNode& fuzz_node() {
    static FuzzNode n;  // destroyed at exit: stops the node, removes the data dir
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz_node();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string reply = call(*fuzz_node().node, std::string(fuzz::text_of(data, size)));
    if (reply.empty()) return 0;  // only notifications
    boost::system::error_code ec;
    (void)boost::json::parse(reply, ec);
    KOPILKA_FUZZ_CHECK(!ec);
    return 0;
}
