# Turns one CLI11 subcommand's --help into a roff subsection for a manual
# page's COMMANDS section: its description, usage line, and each positional
# and option as a tagged paragraph. Its subcommands are left out: each gets a
# subsection of its own. Set `title` (e.g. "camstreamd ticket mint") with -v.
#
# CLI11 prints the description, "Usage: ...", then blocks headed "Options:",
# "Positionals:" or "Subcommands:", whose items start two spaces in with the
# option (and its type) and continue after a column of spaces with the text;
# an option too long for the column has its text on the next, indented line.

function escape(text) {
    gsub(/\\/, "\\e", text)
    return text
}
function literal(text) {
    text = escape(text)
    gsub(/-/, "\\-", text)
    return text
}
function flush() {
    if (term != "") printf ".TP\n\\fB%s\\fR\n\\&%s\n", literal(term), escape(text)
    term = ""
    text = ""
}

NR == 1 {
    printf ".SS \"%s\"\n\\&%s\n", literal(title), escape($0)
    next
}
/^Usage: / {
    sub(/^Usage: /, "")
    printf ".PP\nUsage: \\fB%s\\fR\n", literal($0)
    next
}
/^[A-Za-z].*:$/ {
    flush()
    block = $0
    next
}
/^$/ { next }
block == "Subcommands:" { next }
/^  [^ ]/ {
    flush()
    line = substr($0, 3)
    split_at = match(line, /  +/)
    if (split_at) {
        term = substr(line, 1, split_at - 1)
        text = substr(line, split_at + RLENGTH)
    } else {
        term = line
    }
    if (term ~ /^-h,--help/) term = ""
    next
}
/^   / {
    sub(/^ +/, "")
    text = (text == "" ? $0 : text " " $0)
    next
}
END { flush() }
