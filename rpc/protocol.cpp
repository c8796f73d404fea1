#include "rpc/protocol.h"

#include <boost/json.hpp>

#include <cmath>

namespace kopilka::rpc {

Error refused_error(const ledger::Refused& r) {
    json::object data;
    data["reason"] = ledger::refusal_name(r.code);
    return Error(refusal_code_base + static_cast<int>(r.code), r.message, std::move(data));
}

bool is_valid_id(const json::value& id) {
    if (id.is_double()) return std::isfinite(id.get_double());
    return id.is_string() || id.is_number() || id.is_null();
}

bool is_notification(const json::value& request) {
    const json::object* o = request.if_object();
    if (!o || o->contains("id")) return false;
    const json::value* version = o->if_contains("jsonrpc");
    const json::value* method = o->if_contains("method");
    return version && version->is_string() && version->get_string() == "2.0" && method && method->is_string();
}

json::value make_result(const json::value& id, json::value result) {
    json::object o;
    o["jsonrpc"] = "2.0";
    o["result"] = std::move(result);
    o["id"] = id;
    return o;
}

json::value make_error(const json::value& id, int code, std::string_view message, const json::value& data) {
    json::object err;
    err["code"] = code;
    err["message"] = message;
    if (!data.is_null()) err["data"] = data;
    json::object o;
    o["jsonrpc"] = "2.0";
    o["error"] = std::move(err);
    o["id"] = id;
    return o;
}

Params::Params(const json::value& params) {
    if (params.is_null()) return;
    if (!params.is_object()) throw Error(invalid_params, "params must be an object with named parameters");
    obj_ = &params.get_object();
}

const json::value* Params::find(std::string_view name) const {
    if (!obj_) return nullptr;
    auto it = obj_->find(name);
    return it == obj_->end() || it->value().is_null() ? nullptr : &it->value();
}

bool Params::present(std::string_view name) const { return obj_ && obj_->contains(name); }

std::string Params::str(std::string_view name) const {
    auto v = opt_str(name);
    if (!v) throw Error(invalid_params, "missing param '" + std::string(name) + "'");
    return *v;
}

std::optional<std::string> Params::opt_str(std::string_view name) const {
    const json::value* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_string()) throw Error(invalid_params, "param '" + std::string(name) + "' must be a string");
    return std::string(v->get_string());
}

std::uint64_t Params::u64(std::string_view name) const {
    auto v = opt_u64(name);
    if (!v) throw Error(invalid_params, "missing param '" + std::string(name) + "'");
    return *v;
}

std::optional<std::uint64_t> Params::opt_u64(std::string_view name) const {
    const json::value* v = find(name);
    if (!v) return std::nullopt;
    if (v->is_uint64()) return v->get_uint64();
    if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
    throw Error(invalid_params, "param '" + std::string(name) + "' must be a non-negative integer");
}

bool Params::flag(std::string_view name, bool fallback) const {
    const json::value* v = find(name);
    if (!v) return fallback;
    if (!v->is_bool()) throw Error(invalid_params, "param '" + std::string(name) + "' must be true or false");
    return v->get_bool();
}

void Params::only(std::initializer_list<std::string_view> known) const {
    if (!obj_) return;
    for (const auto& kv : *obj_) {
        bool ok = false;
        for (auto k : known) ok = ok || kv.key() == k;
        if (!ok) throw Error(invalid_params, "unknown param '" + std::string(kv.key()) + "'");
    }
}

}  // namespace kopilka::rpc
