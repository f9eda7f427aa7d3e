#include "rankpool/detail/toml.hpp"

#include <locale.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace rankpool::detail::toml {

const member* value::find(std::string_view key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &members_[it->second];
}

const char* value::type_name() const noexcept {
  switch (kind_) {
    case kind::table: return "a table";
    case kind::array: return "an array";
    case kind::string: return "a string";
    case kind::integer: return "an integer";
    case kind::floating: return "a float";
    case kind::boolean: return "a boolean";
    case kind::datetime: return "a date-time";
  }
  return "a value";
}

namespace {

constexpr int end_of_text = -1;

bool is_digit(int c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_octal_digit(int c) { return c >= '0' && c <= '7'; }
bool is_binary_digit(int c) { return c == '0' || c == '1'; }
bool is_bare_key_char(int c) { return is_alpha(c) || is_digit(c) || c == '_' || c == '-'; }
/// Control characters TOML forbids in strings and comments (tab is allowed).
bool is_control(int c) { return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f; }
/// What may make up a number or a date-time written without quotes.
bool is_scalar_char(int c) { return is_alpha(c) || is_digit(c) || c == '_' || c == '+' || c == '-' || c == '.' || c == ':'; }

std::string hex(unsigned value, int digits) {
  static constexpr char symbols[] = "0123456789ABCDEF";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4) out[static_cast<std::size_t>(i)] = symbols[value & 0xf];
  return out;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  auto byte = [&out](std::uint32_t b) { out.push_back(static_cast<char>(b)); };
  if (code_point < 0x80) {
    byte(code_point);
  } else if (code_point < 0x800) {
    byte(0xc0 | (code_point >> 6));
    byte(0x80 | (code_point & 0x3f));
  } else if (code_point < 0x10000) {
    byte(0xe0 | (code_point >> 12));
    byte(0x80 | ((code_point >> 6) & 0x3f));
    byte(0x80 | (code_point & 0x3f));
  } else {
    byte(0xf0 | (code_point >> 18));
    byte(0x80 | ((code_point >> 12) & 0x3f));
    byte(0x80 | ((code_point >> 6) & 0x3f));
    byte(0x80 | (code_point & 0x3f));
  }
}

/// The length of the UTF-8 sequence at `text[i]`, or 0 if it is not valid UTF-8
/// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u; };
  const unsigned lead = at(0);
  std::size_t length = 0;
  unsigned low = 0x80, high = 0xbf;  // the range of the second byte
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (i + length > text.size() || at(1) < low || at(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if ((at(k) & 0xc0) != 0x80) return 0;
  return length;
}

struct key_part {
  std::string name;
  position where;
};
using dotted_key = std::vector<key_part>;

/// The first `parts` parts of `key`, as TOML writes a dotted key.
std::string key_text(const dotted_key& key, std::size_t parts) {
  std::string out;
  for (std::size_t i = 0; i < parts && i < key.size(); ++i) {
    if (i > 0) out.push_back('.');
    out.append(format_key(key[i].name));
  }
  return out;
}
std::string key_text(const dotted_key& key) { return key_text(key, key.size()); }

std::string line_of(const value& v) { return "line " + std::to_string(v.where().line); }

}  // namespace

class parser {
 public:
  explicit parser(std::string_view text) : text_(text) {}

  value run() {
    check_utf8();
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // a byte order mark is not content
    root_.kind_ = kind::table;
    root_.where_ = {1, 1};
    root_.defined_by_header_ = true;
    current_ = &root_;
    while (true) {
      skip_whitespace();
      if (at_end()) break;
      const int c = peek();
      if (c == '#') {
        skip_comment();
      } else if (c == '\n' || c == '\r') {
        take_newline();
      } else if (c == '[') {
        parse_header();
      } else {
        parse_key_value(*current_);
        expect_line_end("the value");
      }
    }
    return std::move(root_);
  }

 private:
  // ---- the cursor ----
  bool at_end() const { return pos_ >= text_.size(); }
  int peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? static_cast<unsigned char>(text_[pos_ + ahead]) : end_of_text;
  }
  position here() const { return {line_, column_}; }
  void advance() {
    const auto c = static_cast<unsigned char>(text_[pos_++]);
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((c & 0xc0) != 0x80) {
      ++column_;  // a continuation byte belongs to the character before it
    }
  }
  bool at_newline() const { return peek() == '\n' || (peek() == '\r' && peek(1) == '\n'); }

  [[noreturn]] static void fail(position where, const std::string& reason) { throw syntax_error(where, reason); }
  [[noreturn]] void fail_here(const std::string& reason) const { fail(here(), reason); }

  /// The character at the cursor, for messages.
  std::string describe_here() const {
    const int c = peek();
    if (c == end_of_text) return "the end of the file";
    if (c == '\n') return "the end of the line";
    if (c == '\r') return "a carriage return";
    if (is_control(c)) return "the control character U+" + hex(static_cast<unsigned>(c), 4);
    const std::size_t length = std::max<std::size_t>(1, utf8_length(text_, pos_));
    return "'" + std::string(text_.substr(pos_, length)) + "'";
  }

  void check_utf8() {
    position where{1, 1};
    for (std::size_t i = 0; i < text_.size();) {
      const std::size_t length = utf8_length(text_, i);
      if (length == 0)
        fail(where, "not valid UTF-8 (byte 0x" + hex(static_cast<unsigned char>(text_[i]), 2) +
                        "); TOML files are UTF-8 text");
      if (text_[i] == '\n') {
        ++where.line;
        where.column = 1;
      } else {
        ++where.column;
      }
      i += length;
    }
  }

  // ---- whitespace, comments, line ends ----
  void skip_whitespace() {
    while (peek() == ' ' || peek() == '\t') advance();
  }
  void take_newline() {
    if (peek() == '\r') {
      if (peek(1) != '\n') fail_here("a carriage return must be followed by a line feed");
      advance();
    }
    advance();
  }
  void skip_comment() {
    advance();  // '#'
    while (!at_end() && peek() != '\n') {
      if (peek() == '\r' && peek(1) == '\n') break;
      if (is_control(peek())) fail_here(describe_here() + " is not allowed in a comment");
      advance();
    }
  }
  void skip_blank_lines_and_comments() {
    while (true) {
      skip_whitespace();
      if (peek() == '#') {
        skip_comment();
      } else if (peek() == '\n' || peek() == '\r') {
        take_newline();
      } else {
        return;
      }
    }
  }
  void expect_line_end(const char* after) {
    skip_whitespace();
    if (peek() == '#') skip_comment();
    if (at_end()) return;
    if (peek() == '\n' || peek() == '\r') {
      take_newline();
      return;
    }
    fail_here(std::string("expected the end of the line after ") + after + ", found " + describe_here());
  }
  void enter_nesting(position open) {
    if (++depth_ > max_depth)
      fail(open, "arrays and inline tables nested deeper than " + std::to_string(max_depth) + " levels");
  }

  // ---- keys ----
  dotted_key parse_key() {
    dotted_key key;
    while (true) {
      skip_whitespace();
      key.push_back(parse_simple_key());
      if (key.size() > static_cast<std::size_t>(max_depth))
        fail(key.back().where, "a dotted key with more than " + std::to_string(max_depth) + " parts");
      skip_whitespace();
      if (peek() != '.') return key;
      advance();
    }
  }
  key_part parse_simple_key() {
    const position where = here();
    const int c = peek();
    if (c == '"' || c == '\'') {
      if (peek(1) == c && peek(2) == c) fail_here("a key cannot be a multi-line string");
      return {c == '"' ? parse_basic_string() : parse_literal_string(), where};
    }
    if (!is_bare_key_char(c))
      fail_here("expected a key (letters, digits, '_', '-', or a quoted string), found " + describe_here());
    const std::size_t start = pos_;
    while (is_bare_key_char(peek())) advance();
    return {std::string(text_.substr(start, pos_ - start)), where};
  }

  static member* find_member(value& table, const std::string& key) {
    const auto it = table.index_.find(key);
    return it == table.index_.end() ? nullptr : &table.members_[it->second];
  }
  static value& insert(value& table, const key_part& part, value v) {
    table.index_.emplace(part.name, table.members_.size());
    table.members_.push_back(member{part.name, part.where, std::move(v)});
    return table.members_.back().value;
  }
  static value new_table(position where) {
    value t;
    t.kind_ = kind::table;
    t.where_ = where;
    return t;
  }

  // ---- key = value ----
  void parse_key_value(value& table) {
    const dotted_key key = parse_key();
    if (peek() != '=') fail_here("expected '=' after the key " + key_text(key) + ", found " + describe_here());
    advance();
    skip_whitespace();
    value* target = &table;
    for (std::size_t i = 0; i + 1 < key.size(); ++i) target = &enter_by_dotted_key(*target, key, i);
    const key_part& last = key.back();
    if (const member* existing = find_member(*target, last.name))
      fail(last.where, "the key " + key_text(key) + " is defined twice (first at " + line_of(existing->value) + ")");
    value v = parse_value();
    insert(*target, last, std::move(v));
  }

  /// A dotted key's part `i`: an existing table it made, or a new one.
  value& enter_by_dotted_key(value& table, const dotted_key& key, std::size_t i) {
    const key_part& part = key[i];
    if (member* m = find_member(table, part.name)) {
      value& v = m->value;
      if (v.is_table() && v.defined_by_dotted_ && !v.frozen_) return v;
      if (v.is_table())
        fail(part.where, "the dotted key " + key_text(key) + " adds to the table " + key_text(key, i + 1) + ", which " +
                             (v.frozen_ ? "is an inline table, complete as written"
                                        : "a [header] defined (" + line_of(v) + ")"));
      fail(part.where, key_text(key, i + 1) + " is already " + v.type_name() + " (" + line_of(v) + "), not a table");
    }
    value t = new_table(part.where);
    t.defined_by_dotted_ = true;
    return insert(table, part, std::move(t));
  }

  // ---- [table] and [[array of tables]] ----
  void parse_header() {
    advance();  // '['
    const bool array_of_tables = peek() == '[';
    if (array_of_tables) advance();
    const dotted_key key = parse_key();
    if (peek() != ']') fail_here("expected ']' to close the table header, found " + describe_here());
    advance();
    if (array_of_tables) {
      if (peek() != ']') fail_here("expected ']]' to close the array-of-tables header, found " + describe_here());
      advance();
    }
    value* table = &root_;
    for (std::size_t i = 0; i + 1 < key.size(); ++i) table = &enter_by_header(*table, key, i);
    current_ = array_of_tables ? &append_table(*table, key) : &define_table(*table, key);
    expect_line_end(array_of_tables ? "the array-of-tables header" : "the table header");
  }

  /// A header's part `i` before the last: a table (the last one of an array of
  /// tables), created if missing; a later header may still define it.
  value& enter_by_header(value& table, const dotted_key& key, std::size_t i) {
    const key_part& part = key[i];
    if (member* m = find_member(table, part.name)) {
      value& v = m->value;
      if (v.is_table() && !v.frozen_) return v;
      if (v.is_array() && v.array_of_tables_) return v.elements_.back();
      if (v.is_table())
        fail(part.where, "the header [" + key_text(key) + "] extends " + key_text(key, i + 1) +
                             ", an inline table, complete as written (" + line_of(v) + ")");
      fail(part.where, key_text(key, i + 1) + " is already " + v.type_name() + " (" + line_of(v) + "), not a table");
    }
    return insert(table, part, new_table(part.where));
  }

  value& define_table(value& parent, const dotted_key& key) {
    const key_part& last = key.back();
    member* m = find_member(parent, last.name);
    if (!m) {
      value t = new_table(last.where);
      t.defined_by_header_ = true;
      return insert(parent, last, std::move(t));
    }
    value& v = m->value;
    const std::string name = key_text(key);
    if (v.is_array() && v.array_of_tables_)
      fail(last.where, "[" + name + "] names an array of tables ([[" + name + "]], " + line_of(v) + ")");
    if (!v.is_table()) fail(last.where, name + " is already " + v.type_name() + " (" + line_of(v) + "), not a table");
    if (v.frozen_) fail(last.where, name + " is an inline table (" + line_of(v) + "), complete as written");
    if (v.defined_by_header_) fail(last.where, "the table [" + name + "] is defined twice (first at " + line_of(v) + ")");
    if (v.defined_by_dotted_)
      fail(last.where, "the table " + name + " was already defined by dotted keys (" + line_of(v) + ")");
    v.defined_by_header_ = true;  // made on the way to a deeper header: this defines it
    v.where_ = last.where;
    return v;
  }

  value& append_table(value& parent, const dotted_key& key) {
    const key_part& last = key.back();
    value element = new_table(last.where);
    element.defined_by_header_ = true;
    member* m = find_member(parent, last.name);
    if (!m) {
      value array;
      array.kind_ = kind::array;
      array.where_ = last.where;
      array.array_of_tables_ = true;
      array.elements_.push_back(std::move(element));
      return insert(parent, last, std::move(array)).elements_.back();
    }
    value& v = m->value;
    const std::string name = key_text(key);
    if (!(v.is_array() && v.array_of_tables_))
      fail(last.where, "[[" + name + "]] cannot append to " + name + ": it is already " + v.type_name() +
                           (v.is_array() ? " written as a value" : "") + " (" + line_of(v) + ")");
    v.elements_.push_back(std::move(element));
    return v.elements_.back();
  }

  // ---- values ----
  value parse_value() {
    value v;
    v.where_ = here();
    const int c = peek();
    if (c == '"') {
      v.kind_ = kind::string;
      v.text_ = peek(1) == '"' && peek(2) == '"' ? parse_multiline_basic_string() : parse_basic_string();
    } else if (c == '\'') {
      v.kind_ = kind::string;
      v.text_ = peek(1) == '\'' && peek(2) == '\'' ? parse_multiline_literal_string() : parse_literal_string();
    } else if (c == '[') {
      parse_array(v);
    } else if (c == '{') {
      parse_inline_table(v);
    } else if (c == 't' && text_.substr(pos_, 4) == "true") {
      v.kind_ = kind::boolean;
      v.integer_ = 1;
      for (int i = 0; i < 4; ++i) advance();
    } else if (c == 'f' && text_.substr(pos_, 5) == "false") {
      v.kind_ = kind::boolean;
      for (int i = 0; i < 5; ++i) advance();
    } else if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n') {
      parse_number_or_date(v);
    } else {
      fail_here("expected a value (a string, number, boolean, date, array or inline table), found " + describe_here());
    }
    return v;
  }

  void parse_array(value& v) {
    v.kind_ = kind::array;
    v.frozen_ = true;
    const position open = here();
    advance();
    enter_nesting(open);
    while (true) {
      skip_blank_lines_and_comments();
      if (at_end()) fail(open, "unterminated array: no ']' closes it");
      if (peek() == ']') break;
      v.elements_.push_back(parse_value());
      skip_blank_lines_and_comments();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == ']') break;
      if (at_end()) fail(open, "unterminated array: no ']' closes it");
      fail_here("expected ',' or ']' in the array, found " + describe_here());
    }
    advance();  // ']'
    --depth_;
  }

  void parse_inline_table(value& v) {
    v.kind_ = kind::table;
    const position open = here();
    advance();
    enter_nesting(open);
    skip_whitespace();
    if (peek() != '}') {
      while (true) {
        if (at_end()) fail(open, "unterminated inline table: no '}' closes it");
        if (peek() == '\n' || peek() == '\r') fail_here("an inline table must be written on one line");
        parse_key_value(v);
        skip_whitespace();
        if (peek() == '}') break;
        if (peek() == ',') {
          advance();
          skip_whitespace();
          if (peek() == '}') fail_here("a trailing comma is not allowed in an inline table");
          continue;
        }
        if (at_end()) fail(open, "unterminated inline table: no '}' closes it");
        if (peek() == '\n' || peek() == '\r') fail_here("an inline table must be written on one line");
        fail_here("expected ',' or '}' in the inline table, found " + describe_here());
      }
    }
    advance();  // '}'
    --depth_;
    freeze(v);
  }

  /// An inline table and the tables its dotted keys made are complete as written.
  static void freeze(value& table) {
    std::vector<value*> pending{&table};
    while (!pending.empty()) {
      value* t = pending.back();
      pending.pop_back();
      t->frozen_ = true;
      for (auto& m : t->members_)
        if (m.value.is_table() && !m.value.frozen_) pending.push_back(&m.value);
    }
  }

  // ---- strings ----
  /// Reads the escape sequence at the backslash under the cursor into `out`. In a
  /// multi-line basic string a backslash ending a line trims the whitespace after it.
  void read_escape(std::string& out, bool multiline) {
    const position where = here();
    advance();  // '\'
    const int c = peek();
    if (multiline && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      skip_whitespace();
      if (!at_newline()) fail(where, "a '\\' that ends a line must be followed only by whitespace");
      while (peek() == ' ' || peek() == '\t' || at_newline()) {
        if (at_newline()) {
          take_newline();
        } else {
          advance();
        }
      }
      return;
    }
    switch (c) {
      case 'b': out.push_back('\b'); break;
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'f': out.push_back('\f'); break;
      case 'r': out.push_back('\r'); break;
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case 'u':
      case 'U': {
        advance();
        const int digits = c == 'u' ? 4 : 8;
        std::uint32_t code_point = 0;
        for (int i = 0; i < digits; ++i) {
          const int d = peek();
          if (!is_hex_digit(d))
            fail(where, std::string("\\") + static_cast<char>(c) + " needs " + std::to_string(digits) +
                            " hexadecimal digits");
          code_point = code_point * 16 + static_cast<std::uint32_t>(is_digit(d) ? d - '0' : (d | 0x20) - 'a' + 10);
          advance();
        }
        if (code_point > 0x10ffff || (code_point >= 0xd800 && code_point <= 0xdfff))
          fail(where, "the escape \\" + std::string(1, static_cast<char>(c)) + hex(code_point, digits) +
                          " is not a Unicode scalar value");
        append_utf8(out, code_point);
        return;
      }
      default:
        if (c == end_of_text) fail(where, "unterminated string: the file ends after a '\\'");
        fail(where, "invalid escape '\\' followed by " + describe_here() +
                        " (TOML has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)");
    }
    advance();
  }

  /// A character a string may hold as written (not its delimiter, escape or line end).
  void take_string_char(std::string& out, const char* kind_of_string) {
    if (is_control(peek()))
      fail_here(describe_here() + " is not allowed in " + kind_of_string + " (write it as an escape, \\u" +
                hex(static_cast<unsigned>(peek()), 4) + ")");
    out.push_back(text_[pos_]);
    advance();
  }

  std::string parse_basic_string() {
    const position open = here();
    advance();
    std::string out;
    while (true) {
      const int c = peek();
      if (c == '"') break;
      if (c == end_of_text || c == '\n' || (c == '\r' && peek(1) == '\n'))
        fail(open, "unterminated string: no closing '\"' on its line");
      if (c == '\\') {
        read_escape(out, false);
      } else {
        take_string_char(out, "a string");
      }
    }
    advance();
    return out;
  }

  std::string parse_literal_string() {
    const position open = here();
    advance();
    std::string out;
    while (true) {
      const int c = peek();
      if (c == '\'') break;
      if (c == end_of_text || c == '\n' || (c == '\r' && peek(1) == '\n'))
        fail(open, "unterminated literal string: no closing \"'\" on its line");
      take_string_char(out, "a literal string");
    }
    advance();
    return out;
  }

  /// At a run of `quote` characters inside a multi-line string: true (and the run
  /// consumed) when it closes the string; up to two quotes before the closing three
  /// belong to the string.
  bool take_quotes(std::string& out, char quote) {
    std::size_t run = 0;
    while (peek(static_cast<std::size_t>(run)) == quote) ++run;
    if (run >= 6) fail_here("too many quotes: at most two may stand before the closing " + std::string(3, quote));
    const std::size_t kept = run < 3 ? run : run - 3;
    out.append(kept, quote);
    for (std::size_t i = 0; i < run; ++i) advance();
    return run >= 3;
  }

  std::string parse_multiline(char quote, bool escapes) {
    const position open = here();
    for (int i = 0; i < 3; ++i) advance();
    if (at_newline()) take_newline();  // a newline right after the opening quotes is not content
    std::string out;
    const std::string name = escapes ? "multi-line string" : "multi-line literal string";
    while (true) {
      const int c = peek();
      if (c == end_of_text)
        fail(open, "unterminated " + name + ": no closing " + std::string(3, quote));
      if (c == quote) {
        if (take_quotes(out, quote)) return out;
      } else if (escapes && c == '\\') {
        read_escape(out, true);
      } else if (at_newline()) {
        take_newline();
        out.push_back('\n');
      } else {
        take_string_char(out, ("a " + name).c_str());
      }
    }
  }
  std::string parse_multiline_basic_string() { return parse_multiline('"', true); }
  std::string parse_multiline_literal_string() { return parse_multiline('\'', false); }

  // ---- numbers and dates ----
  void parse_number_or_date(value& v) {
    const position where = here();
    const std::size_t start = pos_;
    while (is_scalar_char(peek())) advance();
    std::string_view token = text_.substr(start, pos_ - start);
    // "1979-05-27 07:32:00": a date, one space, then a time.
    if (is_full_date(token) && peek() == ' ' && is_digit(peek(1)) && is_digit(peek(2)) && peek(3) == ':') {
      advance();
      while (is_scalar_char(peek())) advance();
      token = text_.substr(start, pos_ - start);
    }
    if (token.size() >= 3 && is_digit(token[0]) && is_digit(token[1]) &&
        (token[2] == ':' || (token.size() >= 5 && is_digit(token[2]) && is_digit(token[3]) && token[4] == '-'))) {
      check_date_time(token, where);
      v.kind_ = kind::datetime;
      v.text_ = std::string(token);
      return;
    }
    parse_number(token, where, v);
  }

  static bool is_full_date(std::string_view t) {
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
      if (!is_digit(t[i])) return false;
    return true;
  }

  static void check_date_time(std::string_view t, position where) {
    const std::string shown(t);
    auto bad = [&](const std::string& why) { fail(where, "invalid date-time " + shown + ": " + why); };
    auto number = [&](std::size_t at, std::size_t digits) {
      int n = 0;
      for (std::size_t i = at; i < at + digits; ++i) {
        if (i >= t.size() || !is_digit(t[i])) bad("expected " + std::to_string(digits) + " digits");
        n = n * 10 + (t[i] - '0');
      }
      return n;
    };
    auto expect = [&](std::size_t at, char c) {
      if (at >= t.size() || t[at] != c) bad(std::string("expected '") + c + "'");
    };
    std::size_t i = 0;
    bool has_date = false;
    if (t.size() >= 5 && t[4] == '-') {
      const int year = number(0, 4);
      expect(4, '-');
      const int month = number(5, 2);
      expect(7, '-');
      const int day = number(8, 2);
      if (month < 1 || month > 12) bad("month " + std::to_string(month) + " does not exist");
      static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
      const int last = days[month - 1] + (month == 2 && leap ? 1 : 0);
      if (day < 1 || day > last) bad("day " + std::to_string(day) + " does not exist in that month");
      has_date = true;
      i = 10;
      if (i == t.size()) return;
      if (t[i] != 'T' && t[i] != 't' && t[i] != ' ') bad("expected 'T' or a space between the date and the time");
      ++i;
    }
    const int hour = number(i, 2);
    expect(i + 2, ':');
    const int minute = number(i + 3, 2);
    if (i + 5 >= t.size() || t[i + 5] != ':') bad("TOML 1.0 times need seconds (HH:MM:SS)");
    const int second = number(i + 6, 2);
    if (hour > 23 || minute > 59 || second > 60) bad("the time of day is out of range");
    i += 8;
    if (i < t.size() && t[i] == '.') {
      ++i;
      if (i >= t.size() || !is_digit(t[i])) bad("expected digits after the decimal point");
      while (i < t.size() && is_digit(t[i])) ++i;
    }
    if (i == t.size()) return;
    if (!has_date) bad("a time of day without a date cannot have a time-zone offset");
    if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == t.size()) return;
    if ((t[i] == '+' || t[i] == '-') && i + 6 == t.size()) {
      const int offset_hour = number(i + 1, 2);
      expect(i + 3, ':');
      const int offset_minute = number(i + 4, 2);
      if (offset_hour > 23 || offset_minute > 59) bad("the time-zone offset is out of range");
      return;
    }
    bad("expected 'Z' or a time-zone offset like +01:00 after the time");
  }

  /// Digits with single underscores between them (TOML's rule for every number part).
  static bool is_digit_run(std::string_view digits, bool (*digit)(int)) {
    if (digits.empty() || digits.front() == '_' || digits.back() == '_') return false;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (digits[i] == '_') {
        if (digits[i + 1] == '_') return false;
      } else if (!digit(static_cast<unsigned char>(digits[i]))) {
        return false;
      }
    }
    return true;
  }

  static void parse_number(std::string_view t, position where, value& v) {
    const std::string shown(t);
    auto bad = [&](const std::string& why) { fail(where, "invalid number " + shown + ": " + why); };
    if (t.empty()) fail(where, "expected a value");
    const char sign = t[0] == '+' || t[0] == '-' ? t[0] : 0;
    const std::string_view body = sign ? t.substr(1) : t;
    if (body == "inf" || body == "nan") {
      v.kind_ = kind::floating;
      const double magnitude =
          body == "inf" ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
      v.floating_ = sign == '-' ? -magnitude : magnitude;
      return;
    }
    if (body.size() >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o' || body[1] == 'b')) {
      if (sign) bad("a hexadecimal, octal or binary integer cannot have a sign");
      const int radix = body[1] == 'x' ? 16 : body[1] == 'o' ? 8 : 2;
      bool (*digit)(int) = radix == 16 ? is_hex_digit : radix == 8 ? is_octal_digit : is_binary_digit;
      const std::string_view digits = body.substr(2);
      if (!is_digit_run(digits, digit)) bad("expected base-" + std::to_string(radix) + " digits after 0" + body[1]);
      std::uint64_t n = 0;
      for (char d : digits) {
        if (d == '_') continue;
        const auto x = static_cast<std::uint64_t>(is_digit(d) ? d - '0' : (d | 0x20) - 'a' + 10);
        if (n > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - x) / radix)
          bad("does not fit a 64-bit signed integer");
        n = n * static_cast<std::uint64_t>(radix) + x;
      }
      v.kind_ = kind::integer;
      v.integer_ = static_cast<std::int64_t>(n);
      return;
    }
    const std::size_t int_end = body.find_first_of(".eE");
    const std::string_view int_part = body.substr(0, int_end);
    if (!is_digit_run(int_part, is_digit)) bad("expected digits, with single underscores only between two digits");
    if (int_part.size() > 1 && int_part[0] == '0') bad("leading zeros are not allowed");
    if (int_end == std::string_view::npos) {
      // Accumulated negatively: the most negative integer has no positive twin.
      std::int64_t n = 0;
      for (char d : int_part) {
        if (d == '_') continue;
        const int x = d - '0';
        if (n < (std::numeric_limits<std::int64_t>::min() + x) / 10) bad("does not fit a 64-bit signed integer");
        n = n * 10 - x;
      }
      if (sign != '-') {
        if (n == std::numeric_limits<std::int64_t>::min()) bad("does not fit a 64-bit signed integer");
        n = -n;
      }
      v.kind_ = kind::integer;
      v.integer_ = n;
      return;
    }
    std::string_view rest = body.substr(int_end);
    if (rest[0] == '.') {
      const std::size_t frac_end = rest.find_first_of("eE");
      if (!is_digit_run(rest.substr(1, frac_end == std::string_view::npos ? frac_end : frac_end - 1), is_digit))
        bad("expected digits after the decimal point");
      rest = frac_end == std::string_view::npos ? std::string_view{} : rest.substr(frac_end);
    }
    if (!rest.empty()) {
      std::string_view exponent = rest.substr(1);  // after 'e' or 'E'
      if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) exponent.remove_prefix(1);
      if (!is_digit_run(exponent, is_digit)) bad("expected digits in the exponent");
    }
    std::string plain;
    for (char c : t)
      if (c != '_') plain.push_back(c);
    // strtod in the "C" locale: a process may have set another one (Python does).
    static const locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", locale_t{});
    errno = 0;
    const double x = strtod_l(plain.c_str(), nullptr, c_locale);
    if (std::isinf(x)) bad("does not fit a 64-bit float");
    v.kind_ = kind::floating;
    v.floating_ = x;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
  int depth_ = 0;
  value root_;
  value* current_ = nullptr;
};

value parse(std::string_view text) { return parser(text).run(); }

bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u" + hex(c, 4);
        } else {
          out.push_back(ch);
        }
    }
  }
  return out + "\"";
}

std::string format_key(std::string_view key) {
  bool bare = !key.empty();
  for (char c : key) bare = bare && is_bare_key_char(static_cast<unsigned char>(c));
  return bare ? std::string(key) : quote(key);
}

}  // namespace rankpool::detail::toml
