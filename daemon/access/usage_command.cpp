// The usage command: see usage_command.hpp.
#include "access/usage_command.hpp"

#include "access/ledger.hpp"
#include "access/time_text.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <ctime>
#include <map>
#include <utility>

namespace camstream {
namespace {

using Json = nlohmann::ordered_json;

struct Total {
    std::string subject;
    std::uint64_t sessions = 0;
    double seconds = 0;
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
};

double millis(double seconds) { return std::round(seconds * 1000.0) / 1000.0; }

void add(Total& total, const SessionRecord& session) {
    ++total.sessions;
    total.seconds += session.seconds;
    total.frames += session.frames;
    total.bytes += session.bytes;
}

Json session_json(const SessionRecord& s) {
    return Json{{"id", s.id},
                {"viewer", s.viewer},
                {"kind", s.kind},
                {"ticket_id", s.ticket_id.empty() ? Json() : Json(s.ticket_id)},
                {"protocol", s.protocol},
                {"address", s.address},
                {"started", iso_time(s.started)},
                {"ended", s.ended ? Json(iso_time(*s.ended)) : Json()},
                {"seconds", millis(s.seconds)},
                {"frames", s.frames},
                {"bytes", s.bytes},
                {"end_reason", s.end_reason.empty() ? Json() : Json(s.end_reason)}};
}

Json total_json(const char* key, const std::string& name, const Total& t, bool with_subject) {
    Json row{{key, name}};
    if (with_subject) row["subject"] = t.subject;
    row["sessions"] = t.sessions;
    row["seconds"] = millis(t.seconds);
    row["frames"] = t.frames;
    row["bytes"] = t.bytes;
    return row;
}

// RFC 4180: quoted when it holds a comma, quote or line break.
std::string csv_field(const Json& value) {
    if (value.is_null()) return {};
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

// A header row always, so that an empty period still reads as a table.
void write_csv(const Json& rows, std::initializer_list<const char*> columns, std::ostream& out) {
    const char* separator = "";
    for (const char* column : columns) out << std::exchange(separator, ",") << column;
    out << "\r\n";
    for (const auto& row : rows) {
        separator = "";
        for (const char* column : columns) out << std::exchange(separator, ",") << csv_field(row[column]);
        out << "\r\n";
    }
}

}  // namespace

int run_usage_command(const UsageCommand& command, std::ostream& out, std::ostream& err) {
    UsageQuery query;
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    for (const auto& [text, slot, name] : {std::tuple{&command.since, &query.since, "--since"},
                                           std::tuple{&command.until, &query.until, "--until"}}) {
        if (text->empty()) continue;
        const auto parsed = parse_time(*text, now);
        if (!parsed) {
            err << "camstreamd usage: " << name << " '" << *text
                << "' is not a time (2026-11-27T10:00:00Z, 2026-11-27, @UNIX_SECONDS)\n";
            return 1;
        }
        *slot = static_cast<double>(*parsed);
    }
    if (!command.subject.empty()) query.subject = command.subject;
    std::string error;
    auto ledger = Ledger::open(command.ledger, Ledger::Access::read_only, error);
    if (!ledger) {
        err << "camstreamd usage: " << error << "\n";
        return 1;
    }
    const auto sessions = ledger->sessions(query, error);
    if (!error.empty()) {
        err << "camstreamd usage: " << command.ledger << ": " << error << "\n";
        return 1;
    }
    std::map<std::string, Total> by_subject, by_ticket;
    Json session_rows = Json::array();
    for (const auto& session : sessions) {
        add(by_subject[session.viewer], session);
        if (!session.ticket_id.empty()) {
            auto& ticket = by_ticket[session.ticket_id];
            ticket.subject = session.viewer;
            add(ticket, session);
        }
        session_rows.push_back(session_json(session));
    }
    Json subject_rows = Json::array(), ticket_rows = Json::array();
    for (const auto& [name, total] : by_subject) subject_rows.push_back(total_json("subject", name, total, false));
    for (const auto& [name, total] : by_ticket) ticket_rows.push_back(total_json("ticket_id", name, total, true));
    if (command.format == "csv") {
        if (command.by == "subject") {
            write_csv(subject_rows, {"subject", "sessions", "seconds", "frames", "bytes"}, out);
        } else if (command.by == "ticket") {
            write_csv(ticket_rows, {"ticket_id", "subject", "sessions", "seconds", "frames", "bytes"}, out);
        } else {
            write_csv(session_rows, {"id", "viewer", "kind", "ticket_id", "protocol", "address", "started", "ended",
                                     "seconds", "frames", "bytes", "end_reason"}, out);
        }
        return 0;
    }
    out << Json{{"subjects", subject_rows}, {"tickets", ticket_rows}, {"sessions", session_rows}}.dump(2) << "\n";
    return 0;
}

}  // namespace camstream
