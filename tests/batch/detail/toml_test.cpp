// rankpool's TOML reader (detail/toml): every class of malformed input is refused
// with the line and column of the problem, and the valid constructs of TOML 1.0
// parse to the values they spell, including those the previous library refused.
#include "rankpool/detail/toml.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace {

namespace toml = rankpool::detail::toml;

struct refusal {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string reason;
};

/// Parses `text`, expecting a syntax error; returns where and why.
refusal refused(const std::string& text) {
  try {
    toml::parse(text);
  } catch (const toml::syntax_error& e) {
    return {e.where().line, e.where().column, e.what()};
  }
  ADD_FAILURE() << "parsed, but should have been refused:\n" << text;
  return {};
}

#define EXPECT_REFUSED_AT(text, line_, column_, words)                                 \
  do {                                                                                 \
    const refusal r = refused(text);                                                   \
    EXPECT_EQ(r.line, line_u(line_)) << r.reason;                                      \
    EXPECT_EQ(r.column, line_u(column_)) << r.reason;                                  \
    EXPECT_NE(r.reason.find(words), std::string::npos) << "reason: " << r.reason;      \
    EXPECT_EQ(r.reason.find('\n'), std::string::npos) << "not one line: " << r.reason; \
  } while (0)

constexpr std::uint32_t line_u(int n) { return static_cast<std::uint32_t>(n); }

const toml::value& at(const toml::value& table, const std::string& key) {
  const toml::member* m = table.find(key);
  if (!m) throw std::runtime_error("no key " + key);
  return m->value;
}

TEST(TomlUnterminated, EveryKindOfStringNamesWhereItOpens) {
  EXPECT_REFUSED_AT("a = 1\nb = \"abc\n", 2, 5, "unterminated string");
  EXPECT_REFUSED_AT("b = 'abc\nc = 1\n", 1, 5, "unterminated literal string");
  EXPECT_REFUSED_AT("x = 0\n\nb = \"\"\"abc\n\ndef", 3, 5, "unterminated multi-line string");
  EXPECT_REFUSED_AT("b = '''abc\"\"\"\n", 1, 5, "unterminated multi-line literal string");
  // The 60-second fuzz run's heap overflow in the previous library: ''' strings holding """.
  EXPECT_REFUSED_AT("a = '''x\"\"\"\n\"\"\"'''\nb = '''\"\"\"", 3, 5, "unterminated multi-line literal string");
  EXPECT_REFUSED_AT("b = \"abc", 1, 5, "unterminated string");
  EXPECT_REFUSED_AT("b = \"abc\\", 1, 9, "the file ends after a '\\'");
}

TEST(TomlEscapes, BadEscapesAreRefusedAtTheBackslash) {
  EXPECT_REFUSED_AT("a = \"x\\qy\"", 1, 7, "invalid escape");
  EXPECT_REFUSED_AT("a = \"\\u12\"", 1, 6, "needs 4 hexadecimal digits");
  EXPECT_REFUSED_AT("a = \"\\U0011FFFF\"", 1, 6, "not a Unicode scalar value");
  EXPECT_REFUSED_AT("a = \"\\uD800\"", 1, 6, "not a Unicode scalar value");
  EXPECT_REFUSED_AT("a = \"\\e\"", 1, 6, "invalid escape");  // TOML 1.1, not 1.0
  EXPECT_REFUSED_AT("a = \"\"\"x\\ y\"\"\"", 1, 9, "followed only by whitespace");
}

TEST(TomlUtf8, InvalidSequencesAreRefusedWhereTheyStart) {
  EXPECT_REFUSED_AT("a = 'x\xff'", 1, 7, "not valid UTF-8 (byte 0xFF)");
  EXPECT_REFUSED_AT("a = 1\n# \xc3\n", 2, 3, "not valid UTF-8");
  EXPECT_REFUSED_AT("a = \"\xed\xa0\x80\"", 1, 6, "not valid UTF-8");  // a surrogate
  EXPECT_REFUSED_AT("a = \"\xc0\xaf\"", 1, 6, "not valid UTF-8");      // overlong
  EXPECT_REFUSED_AT("\xc3\xa9\xc3\xa9 = '\xf4\x90\x80\x80'", 1, 7, "not valid UTF-8");  // above U+10FFFF
  // Columns count characters: the error after two two-byte letters is at column 7.
  EXPECT_REFUSED_AT("x = '\xc3\xa9\xc3\xa9'x", 1, 9, "found 'x'");
}

TEST(TomlControlCharacters, AreRefusedInStringsCommentsAndBareText) {
  EXPECT_REFUSED_AT("a = \"x\x01y\"", 1, 7, "U+0001 is not allowed in a string");
  EXPECT_REFUSED_AT("a = 'x\x7fy'", 1, 7, "U+007F");
  EXPECT_REFUSED_AT("a = 1 # x\x0b\n", 1, 10, "not allowed in a comment");
  EXPECT_REFUSED_AT("a = '''x\ry'''", 1, 9, "a carriage return is not allowed");
  EXPECT_REFUSED_AT("a = 1\rb = 2", 1, 6, "carriage return must be followed by a line feed");
  EXPECT_REFUSED_AT("\x01 = 1", 1, 1, "U+0001");
}

TEST(TomlDuplicates, KeysAndTablesAreDefinedOnce) {
  EXPECT_REFUSED_AT("a = 1\nb = 2\na = 3\n", 3, 1, "defined twice (first at line 1)");
  EXPECT_REFUSED_AT("[t]\nx = 1\n[t]\n", 3, 2, "the table [t] is defined twice (first at line 1)");
  EXPECT_REFUSED_AT("[t]\nx.y = 1\n[t.x]\n", 3, 4, "already defined by dotted keys");
  EXPECT_REFUSED_AT("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", 4, 1, "a [header] defined");
  EXPECT_REFUSED_AT("a = 1\na.b = 2\n", 2, 1, "a is already an integer (line 1), not a table");
  EXPECT_REFUSED_AT("\"a\" = 1\n'a' = 2\n", 2, 1, "defined twice");
  EXPECT_REFUSED_AT("[t]\n[\"t\"]\n", 2, 2, "defined twice");
}

TEST(TomlArraysOfTables, ConflictsWithTablesAndStaticArrays) {
  EXPECT_REFUSED_AT("a = []\n[[a.b]]\n", 2, 3, "a is already an array (line 1), not a table");  // crashed the previous library
  EXPECT_REFUSED_AT("a = [1]\n[[a]]\n", 2, 3, "cannot append to a: it is already an array written as a value");
  EXPECT_REFUSED_AT("[a]\n[[a]]\n", 2, 3, "cannot append to a: it is already a table");
  EXPECT_REFUSED_AT("[[a]]\n[a]\n", 2, 2, "[a] names an array of tables");
  EXPECT_REFUSED_AT("[[a]]\nb = 1\n[a.b]\n", 3, 4, "b is already an integer");
  EXPECT_REFUSED_AT("[[a] ]\n", 1, 5, "expected ']]'");
  EXPECT_REFUSED_AT("[ [a]]\n", 1, 3, "expected a key");
}

TEST(TomlInlineTables, AreCompleteAsWritten) {
  EXPECT_REFUSED_AT("a = {b = 1}\na.c = 2\n", 2, 1, "inline table, complete as written");
  EXPECT_REFUSED_AT("a = {b = 1}\n[a]\n", 2, 2, "inline table");
  EXPECT_REFUSED_AT("a = {b = 1}\n[a.c]\n", 2, 2, "an inline table, complete as written");
  EXPECT_REFUSED_AT("a = {b = {c = 1}, b.d = 2}\n", 1, 19, "inline table, complete as written");
  EXPECT_REFUSED_AT("a = {b = 1, b = 2}\n", 1, 13, "defined twice");
  EXPECT_REFUSED_AT("a = {b = 1,}\n", 1, 12, "trailing comma");
  EXPECT_REFUSED_AT("a = {b = 1,\n c = 2}\n", 1, 12, "on one line");
  EXPECT_REFUSED_AT("a = {b = 1", 1, 5, "unterminated inline table");
  EXPECT_REFUSED_AT("a = [{b = 1}]\n[[a]]\n", 2, 3, "written as a value");
}

TEST(TomlNumbers, OutOfRangeAndMalformedNumbers) {
  EXPECT_REFUSED_AT("a = 9223372036854775808", 1, 5, "does not fit a 64-bit signed integer");
  EXPECT_REFUSED_AT("a = -9223372036854775809", 1, 5, "does not fit a 64-bit signed integer");
  EXPECT_REFUSED_AT("a = 0x8000000000000000", 1, 5, "does not fit");
  EXPECT_REFUSED_AT("a = 1e400", 1, 5, "does not fit a 64-bit float");
  EXPECT_REFUSED_AT("a = 012", 1, 5, "leading zeros");
  EXPECT_REFUSED_AT("a = 1__2", 1, 5, "single underscores");
  EXPECT_REFUSED_AT("a = _1", 1, 5, "expected a value");
  EXPECT_REFUSED_AT("a = 1_", 1, 5, "single underscores");
  EXPECT_REFUSED_AT("a = +0x10", 1, 5, "cannot have a sign");
  EXPECT_REFUSED_AT("a = 0x", 1, 5, "base-16 digits");
  EXPECT_REFUSED_AT("a = 0o8", 1, 5, "base-8 digits");
  EXPECT_REFUSED_AT("a = 1.", 1, 5, "after the decimal point");
  EXPECT_REFUSED_AT("a = .5", 1, 5, "expected a value");
  EXPECT_REFUSED_AT("a = 1e", 1, 5, "exponent");
  EXPECT_REFUSED_AT("a = infinity", 1, 5, "invalid number");
  EXPECT_REFUSED_AT("a = 1 2", 1, 7, "expected the end of the line");
}

TEST(TomlDates, ImpossibleAndMalformedDatesAreRefused) {
  EXPECT_REFUSED_AT("d = 2023-02-29", 1, 5, "day 29 does not exist");
  EXPECT_REFUSED_AT("d = 2023-13-01", 1, 5, "month 13");
  EXPECT_REFUSED_AT("d = 2023-04-31T00:00:00Z", 1, 5, "day 31");
  EXPECT_REFUSED_AT("d = 24:00:00", 1, 5, "out of range");
  EXPECT_REFUSED_AT("d = 12:30", 1, 5, "need seconds");
  EXPECT_REFUSED_AT("d = 2023-01-01T12:00:00+25:00", 1, 5, "offset is out of range");
  EXPECT_REFUSED_AT("d = 12:00:00Z", 1, 5, "without a date cannot have a time-zone offset");
  EXPECT_REFUSED_AT("d = 2023-1-01", 1, 5, "invalid date-time");
  EXPECT_REFUSED_AT("d = 2023-01-01T12:00:00.", 1, 5, "digits after the decimal point");
}

TEST(TomlNesting, DeepNestingIsRefusedNotOverflowingTheStack) {
  std::string deep = "a = " + std::string(toml::max_depth + 1, '[') + std::string(toml::max_depth + 1, ']');
  EXPECT_REFUSED_AT(deep, 1, 5 + toml::max_depth, "nested deeper than");
  std::string ok = "a = " + std::string(toml::max_depth, '[') + std::string(toml::max_depth, ']');
  EXPECT_NO_THROW(toml::parse(ok));
  std::string inline_deep = "a = ";
  for (int i = 0; i <= toml::max_depth; ++i) inline_deep += "{b = ";
  EXPECT_REFUSED_AT(inline_deep, 1, 5 + 5 * toml::max_depth, "nested deeper than");
  std::string long_key = "a";
  for (int i = 0; i < toml::max_depth; ++i) long_key += ".a";
  EXPECT_REFUSED_AT(long_key + " = 1", 1, 1 + 2 * toml::max_depth, "more than");
  EXPECT_REFUSED_AT("[" + long_key + "]", 1, 2 + 2 * toml::max_depth, "more than");
}

TEST(TomlSyntax, OtherMistakesNameTheirPlace) {
  EXPECT_REFUSED_AT("a 1", 1, 3, "expected '=' after the key a");
  EXPECT_REFUSED_AT("a =", 1, 4, "expected a value");
  EXPECT_REFUSED_AT("a = \n", 1, 5, "found the end of the line");
  EXPECT_REFUSED_AT("[.]", 1, 2, "expected a key");  // aborted the other library's assertion build
  EXPECT_REFUSED_AT("[a\n", 1, 3, "expected ']'");
  EXPECT_REFUSED_AT("\xc3\xa9 = 1", 1, 1, "found '\xc3\xa9'");  // UB in the other library
  EXPECT_REFUSED_AT("a = [1 2]", 1, 8, "expected ',' or ']'");
  EXPECT_REFUSED_AT("a = [1,,2]", 1, 8, "expected a value");
  EXPECT_REFUSED_AT("a = [1,", 1, 5, "unterminated array");
  EXPECT_REFUSED_AT("a = tru", 1, 5, "expected a value");
  EXPECT_REFUSED_AT("a = truex", 1, 9, "expected the end of the line");
  EXPECT_EQ(at(toml::parse("a = \"\"\"\"\"\"\"\""), "a").as_string(), "\"\"");  // two quotes, then the closing three
  EXPECT_REFUSED_AT("a = \"\"\"\"\"\"\"\"\"", 1, 8, "too many quotes");
  EXPECT_REFUSED_AT("a.\"\"\"b\"\"\" = 1", 1, 3, "multi-line string");
}

TEST(TomlValid, TablesDefinedInAnyOrderTomlAllows) {
  // Both refused by toml11 3.7.1 ("table already exists"), both valid TOML 1.0.
  const auto parent = toml::parse("[[parent.arr]]\nx = 1\n[[parent.arr]]\nx = 2\n[parent]\ny = 3\n");
  const auto& p = at(parent, "parent");
  ASSERT_EQ(at(p, "arr").elements().size(), 2u);
  EXPECT_EQ(at(at(p, "arr").elements()[1], "x").as_integer(), 2);
  EXPECT_EQ(at(p, "y").as_integer(), 3);
  const auto ab = toml::parse("[[a.b]]\nc = 1\n[a]\nd = 2\n");
  EXPECT_EQ(at(at(ab, "a"), "d").as_integer(), 2);
  // Super-tables after sub-tables, sub-tables of dotted-key tables, arrays of tables in arrays of tables.
  EXPECT_NO_THROW(toml::parse("[x.y.z]\n[x]\n[x.w]\n"));
  EXPECT_NO_THROW(toml::parse("[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n"));
  const auto nested = toml::parse("[[f]]\nn = 1\n[[f.v]]\nn = 2\n[[f]]\nn = 3\n[[f.v]]\nn = 4\n[[f.v]]\nn = 5\n");
  ASSERT_EQ(at(nested, "f").elements().size(), 2u);
  EXPECT_EQ(at(at(nested, "f").elements()[1], "v").elements().size(), 2u);
}

TEST(TomlValid, ValuesOfEveryType) {
  const auto doc = toml::parse(
      "\xEF\xBB\xBF# a byte order mark, then a comment\r\n"
      "int = +1_000\nneg = -9223372036854775808\nhex = 0xDEAD_beef\noct = 0o755\nbin = 0b1101\n"
      "flt = -6.626e-34\nexp = 1E+06\nunder = 9_224.617_445\ninf = -inf\nnan = nan\nzero = -0.0\n"
      "t = true\nf = false\n"
      "odt = 1979-05-27T07:32:00.999-07:00\nldt = 1979-05-27 07:32:00\nld = 1979-05-27\nlt = 00:32:00.5\n"
      "leap = 2024-02-29\nsecond60 = 1990-12-31T23:59:60Z\n"
      "s = \"tab\\there \\u00E9 \\U0001F600 \\\"q\\\" \\\\\"\n"
      "lit = 'C:\\path\\x'\n"
      "ml = \"\"\"\nline one\\\n    continued\r\n\"\"quotes\"\"\"\"\"\n"
      "mll = '''\nraw \\n ''quoted'''''\n"
      "arr = [ 1, 'two', [3.0], {four = 4}, ]\n"
      "multi = [\n  1, # one\n  2\n]\n"
      "inl = { a.b = 1, c = { d = [ {e = 1} ] } }\n"
      "\"quoted key\" = 1\n'' = 'empty key'\n3.14 = 'dotted number key'\n");
  EXPECT_EQ(at(doc, "int").as_integer(), 1000);
  EXPECT_EQ(at(doc, "neg").as_integer(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(at(doc, "hex").as_integer(), 0xDEADBEEF);
  EXPECT_EQ(at(doc, "oct").as_integer(), 0755);
  EXPECT_EQ(at(doc, "bin").as_integer(), 13);
  EXPECT_DOUBLE_EQ(at(doc, "flt").as_floating(), -6.626e-34);
  EXPECT_DOUBLE_EQ(at(doc, "exp").as_floating(), 1e6);
  EXPECT_DOUBLE_EQ(at(doc, "under").as_floating(), 9224.617445);
  EXPECT_TRUE(std::isinf(at(doc, "inf").as_floating()) && at(doc, "inf").as_floating() < 0);
  EXPECT_TRUE(std::isnan(at(doc, "nan").as_floating()));
  EXPECT_TRUE(std::signbit(at(doc, "zero").as_floating()));
  EXPECT_TRUE(at(doc, "t").as_boolean());
  EXPECT_FALSE(at(doc, "f").as_boolean());
  EXPECT_EQ(at(doc, "odt").type(), toml::kind::datetime);
  EXPECT_EQ(at(doc, "odt").as_string(), "1979-05-27T07:32:00.999-07:00");
  EXPECT_EQ(at(doc, "ldt").as_string(), "1979-05-27 07:32:00");
  EXPECT_EQ(at(doc, "ld").as_string(), "1979-05-27");
  EXPECT_EQ(at(doc, "lt").as_string(), "00:32:00.5");
  EXPECT_EQ(at(doc, "s").as_string(), "tab\there \xC3\xA9 \xF0\x9F\x98\x80 \"q\" \\");
  EXPECT_EQ(at(doc, "lit").as_string(), "C:\\path\\x");
  EXPECT_EQ(at(doc, "ml").as_string(), "line onecontinued\n\"\"quotes\"\"");
  EXPECT_EQ(at(doc, "mll").as_string(), "raw \\n ''quoted''");
  const auto& arr = at(doc, "arr").elements();
  ASSERT_EQ(arr.size(), 4u);
  EXPECT_EQ(arr[1].as_string(), "two");
  EXPECT_EQ(at(arr[3], "four").as_integer(), 4);
  EXPECT_EQ(at(doc, "multi").elements().size(), 2u);
  EXPECT_EQ(at(at(at(doc, "inl"), "a"), "b").as_integer(), 1);
  EXPECT_EQ(at(doc, "quoted key").as_integer(), 1);
  EXPECT_EQ(at(doc, "").as_string(), "empty key");
  EXPECT_EQ(at(at(doc, "3"), "14").as_string(), "dotted number key");
}

TEST(TomlValid, PositionsPointAtValuesAndKeys) {
  const auto doc = toml::parse("# x\n[params]\n  L =   -32\n  'q k' = '\xc3\xa9t\xc3\xa9'\n");
  const auto& params = at(doc, "params");
  EXPECT_EQ(params.where().line, 2u);
  EXPECT_EQ(params.where().column, 2u);
  const toml::member* l = params.find("L");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->key_where.line, 3u);
  EXPECT_EQ(l->key_where.column, 3u);
  EXPECT_EQ(l->value.where().line, 3u);
  EXPECT_EQ(l->value.where().column, 9u);
  ASSERT_EQ(params.members().size(), 2u);
  EXPECT_EQ(params.members()[1].key, "q k");  // members keep document order
}

TEST(TomlFormat, KeysAndStringsStayOneLineAndReadBack) {
  EXPECT_EQ(toml::format_key("plain_key-1"), "plain_key-1");
  EXPECT_EQ(toml::format_key("with space"), "\"with space\"");
  EXPECT_EQ(toml::format_key(""), "\"\"");
  const std::string nasty = "a\nb\t\"c\\\x01\x7f";
  const std::string quoted = toml::quote(nasty);
  EXPECT_EQ(quoted.find('\n'), std::string::npos);
  EXPECT_EQ(at(toml::parse("k = " + quoted), "k").as_string(), nasty);
}

}  // namespace
