// Tickets: see ticket.hpp.
#include "access/ticket.hpp"

#include "access/line_file.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <cmath>

namespace camstream {
namespace {

using Json = nlohmann::json;

// The parts of "HEADER.CLAIMS.SIGNATURE", or nullopt when it is not three.
struct Parts {
    std::string_view header, claims, signature, signed_text;
};

std::optional<Parts> split(std::string_view text) {
    const auto first = text.find('.');
    if (first == std::string_view::npos) return std::nullopt;
    const auto second = text.find('.', first + 1);
    if (second == std::string_view::npos || text.find('.', second + 1) != std::string_view::npos) return std::nullopt;
    return Parts{text.substr(0, first), text.substr(first + 1, second - first - 1), text.substr(second + 1),
                 text.substr(0, second)};
}

std::optional<Json> json_object(std::string_view base64) {
    const auto bytes = from_base64url(base64);
    if (!bytes) return std::nullopt;
    auto json = Json::parse(bytes->begin(), bytes->end(), nullptr, false);
    if (json.is_discarded() || !json.is_object()) return std::nullopt;
    return json;
}

std::optional<std::int64_t> numeric_date(const Json& value) {
    // RFC 7519 allows fractions; anything outside ±2^53 is not a date.
    if (!value.is_number()) return std::nullopt;
    const double seconds = value.get<double>();
    if (!std::isfinite(seconds) || std::fabs(seconds) > 9.0e15) return std::nullopt;
    return static_cast<std::int64_t>(std::floor(seconds));
}

std::optional<int> bounded_integer(const Json& value, int min, int max) {
    if (!value.is_number_integer()) return std::nullopt;
    const auto number = value.get<std::int64_t>();
    if (number < min || number > max) return std::nullopt;
    return static_cast<int>(number);
}

bool valid_subject(std::string_view subject) {
    return !subject.empty() && subject.size() <= 128 &&
           std::none_of(subject.begin(), subject.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// The claims as a Ticket; error names the claim that is wrong.
std::optional<Ticket> read_claims(const Json& claims, std::string& error) {
    Ticket ticket;
    const auto string_claim = [&](const char* name) -> std::optional<std::string> {
        const auto found = claims.find(name);
        if (found == claims.end() || !found->is_string()) return std::nullopt;
        return found->get<std::string>();
    };
    const auto id = string_claim("jti");
    if (!id || !valid_ticket_id(*id)) {
        error = "ticket is malformed (jti: 1 to 64 of A-Z a-z 0-9 . _ : -)";
        return std::nullopt;
    }
    ticket.id = *id;
    const auto subject = string_claim("sub");
    if (!subject || !valid_subject(*subject)) {
        error = "ticket is malformed (sub: 1 to 128 printable characters)";
        return std::nullopt;
    }
    ticket.subject = *subject;
    const auto exp = claims.contains("exp") ? numeric_date(claims["exp"]) : std::nullopt;
    if (!exp) {
        error = "ticket is malformed (exp: a NumericDate is required)";
        return std::nullopt;
    }
    ticket.expires = *exp;
    if (claims.contains("nbf")) {
        const auto nbf = numeric_date(claims["nbf"]);
        if (!nbf) {
            error = "ticket is malformed (nbf: not a NumericDate)";
            return std::nullopt;
        }
        ticket.not_before = *nbf;
    }
    const auto plan = string_claim("plan");
    if (plan == "pass") {
        ticket.plan = Ticket::Plan::pass;
    } else if (plan == "minutes") {
        ticket.plan = Ticket::Plan::minutes;
        const auto minutes = claims.contains("minutes") ? bounded_integer(claims["minutes"], 1, 10'000'000) : std::nullopt;
        if (!minutes) {
            error = "ticket is malformed (minutes: a whole number from 1, required by plan minutes)";
            return std::nullopt;
        }
        ticket.minutes = *minutes;
    } else {
        error = "ticket is malformed (plan: pass or minutes)";
        return std::nullopt;
    }
    if (claims.contains("max_streams")) {
        const auto streams = bounded_integer(claims["max_streams"], 0, 100000);
        if (!streams) {
            error = "ticket is malformed (max_streams: 0 to 100000)";
            return std::nullopt;
        }
        ticket.max_streams = *streams;
    }
    if (claims.contains("max_fps")) {
        const auto fps = bounded_integer(claims["max_fps"], 0, 1000);
        if (!fps) {
            error = "ticket is malformed (max_fps: 0 to 1000)";
            return std::nullopt;
        }
        ticket.max_fps = *fps;
    }
    if (claims.contains("aud")) {
        const auto& aud = claims["aud"];
        if (aud.is_string()) {
            ticket.audience.push_back(aud.get<std::string>());
        } else if (aud.is_array() && std::all_of(aud.begin(), aud.end(), [](const Json& a) { return a.is_string(); })) {
            for (const auto& one : aud) ticket.audience.push_back(one.get<std::string>());
        } else {
            error = "ticket is malformed (aud: a string or a list of strings)";
            return std::nullopt;
        }
    }
    return ticket;
}

}  // namespace

bool valid_ticket_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == ':' || c == '-';
    });
}

bool looks_like_ticket(std::string_view credential) { return std::count(credential.begin(), credential.end(), '.') == 2; }

TicketReading decode_ticket(std::string_view text) {
    TicketReading reading;
    if (text.size() > kMaxTicketBytes) {
        reading.error = "ticket is malformed (longer than " + std::to_string(kMaxTicketBytes) + " bytes)";
        return reading;
    }
    const auto parts = split(text);
    const auto header = parts ? json_object(parts->header) : std::nullopt;
    const auto claims = header ? json_object(parts->claims) : std::nullopt;
    if (!claims) {
        reading.error = "ticket is malformed (expected a JWT: three base64url parts, two of them JSON objects)";
        return reading;
    }
    reading.header_json = header->dump();
    reading.claims_json = claims->dump();
    const auto alg = header->find("alg");
    if (alg == header->end() || *alg != "EdDSA") {
        reading.error = "ticket algorithm must be EdDSA";
        return reading;
    }
    // An extension we do not know might change what the ticket means (RFC 7515 4.1.11).
    if (header->contains("crit")) {
        reading.error = "ticket is malformed (crit extensions are not supported)";
        return reading;
    }
    const auto kid = header->find("kid");
    if (kid != header->end() && !kid->is_string()) {
        reading.error = "ticket is malformed (kid: not a string)";
        return reading;
    }
    reading.ticket = read_claims(*claims, reading.error);
    if (reading.ticket && kid != header->end()) reading.ticket->key_id = kid->get<std::string>();
    return reading;
}

TicketReading verify_ticket(std::string_view text, const TicketKeys& keys, const TicketRules& rules) {
    auto reading = decode_ticket(text);
    if (!reading.ticket) return reading;
    auto& ticket = *reading.ticket;
    const auto parts = *split(text);
    const auto signature = from_base64url(parts.signature);
    if (!signature || signature->size() != crypto_sign_BYTES) {
        reading.error = "ticket signature is not valid";
        reading.ticket.reset();
        return reading;
    }
    const auto verifies = [&](const TicketKey& key) {
        return crypto_sign_verify_detached(signature->data(), reinterpret_cast<const unsigned char*>(parts.signed_text.data()),
                                           parts.signed_text.size(), key.public_key.data()) == 0;
    };
    if (!ticket.key_id.empty()) {
        const auto* key = keys.find(ticket.key_id);
        if (key == nullptr) {
            reading.error = "ticket is not signed by a trusted key";
        } else if (!verifies(*key)) {
            reading.error = "ticket signature is not valid";
        }
    } else if (const auto key = std::find_if(keys.entries().begin(), keys.entries().end(), verifies);
               key == keys.entries().end()) {
        reading.error = "ticket is not signed by a trusted key";
    } else {
        ticket.key_id = key->id;  // what a reload that drops the key checks
    }
    reading.authentic = reading.error.empty();
    if (reading.error.empty()) ticket.public_key = keys.find(ticket.key_id)->public_key;
    // Not on or after exp (RFC 7519 4.1.4), as every JWT library reads it.
    if (reading.error.empty() && rules.now >= ticket.expires + rules.leeway) reading.error = "ticket expired";
    if (reading.error.empty() && ticket.not_before > 0 && rules.now + rules.leeway < ticket.not_before) {
        reading.error = "ticket is not valid yet";
    }
    // A ticket that names its cameras is for none of them when this camera has
    // no name (RFC 7519 4.1.3): set access.ticket_audience to accept it.
    if (reading.error.empty() && !ticket.audience.empty() &&
        std::find(ticket.audience.begin(), ticket.audience.end(), rules.audience) == ticket.audience.end()) {
        reading.error = "ticket is for another camera";
    }
    if (!reading.error.empty()) reading.ticket.reset();
    return reading;
}

std::string mint_ticket(const Ticket& ticket, const SigningKey& key, const std::string& key_id) {
    Json header = {{"alg", "EdDSA"}, {"typ", "JWT"}};
    if (!key_id.empty()) header["kid"] = key_id;
    Json claims = {{"jti", ticket.id}, {"sub", ticket.subject}, {"exp", ticket.expires},
                   {"plan", ticket.plan == Ticket::Plan::pass ? "pass" : "minutes"},
                   {"max_streams", ticket.max_streams}};
    // Any nbf that was read, even one before 1970: minting what was read reads back the same.
    if (ticket.not_before != 0) claims["nbf"] = ticket.not_before;
    if (ticket.plan == Ticket::Plan::minutes) claims["minutes"] = ticket.minutes;
    if (ticket.max_fps > 0) claims["max_fps"] = ticket.max_fps;
    if (ticket.audience.size() == 1) claims["aud"] = ticket.audience.front();
    if (ticket.audience.size() > 1) claims["aud"] = ticket.audience;
    const auto as_bytes = [](const std::string& text) {
        return std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    };
    const auto signed_text = base64url(as_bytes(header.dump())) + "." + base64url(as_bytes(claims.dump()));
    std::array<std::uint8_t, crypto_sign_BYTES> signature{};
    crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(signed_text.data()),
                         signed_text.size(), key.secret.data());
    return signed_text + "." + base64url(signature);
}

}  // namespace camstream
