#pragma once
/// rankpool's TOML 1.0 reader: the text of a job file in, a tree of values that
/// remember where they stand in the text out. The only place that knows TOML syntax;
/// job.cpp validates the tree (docs/ARCHITECTURE.md says why it is our own).
///
/// Any byte sequence either parses or throws toml::syntax_error with the line and
/// column of the problem: no input may crash, hang or exhaust the stack (nesting is
/// limited to max_depth).
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rankpool::detail::toml {

/// A place in the text: 1-based line and column (columns count characters, not
/// bytes, so a message points where an editor does). Line 0: not from the text.
struct position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  bool is_known() const noexcept { return line > 0; }
};

/// A document the reader rejects, with where and why.
class syntax_error : public std::runtime_error {
 public:
  syntax_error(position where, const std::string& reason) : std::runtime_error(reason), where_(where) {}
  position where() const noexcept { return where_; }

 private:
  position where_;
};

enum class kind : std::uint8_t { table, array, string, integer, floating, boolean, datetime };

struct member;

/// One TOML value. Tables keep their members in document order.
class value {
 public:
  kind type() const noexcept { return kind_; }
  /// Where the value starts (a table made by a header: where the header's key starts).
  position where() const noexcept { return where_; }

  bool is_table() const noexcept { return kind_ == kind::table; }
  bool is_array() const noexcept { return kind_ == kind::array; }
  bool is_string() const noexcept { return kind_ == kind::string; }
  bool is_integer() const noexcept { return kind_ == kind::integer; }
  bool is_floating() const noexcept { return kind_ == kind::floating; }
  bool is_boolean() const noexcept { return kind_ == kind::boolean; }

  /// The text of a string, or of a date-time as written.
  const std::string& as_string() const noexcept { return text_; }
  std::int64_t as_integer() const noexcept { return integer_; }
  double as_floating() const noexcept { return floating_; }
  bool as_boolean() const noexcept { return integer_ != 0; }
  const std::vector<value>& elements() const noexcept { return elements_; }
  const std::vector<member>& members() const noexcept { return members_; }
  /// The member called `key`, or nullptr.
  const member* find(std::string_view key) const;

  /// "a string", "an integer", ... for messages.
  const char* type_name() const noexcept;

 private:
  friend class parser;
  kind kind_ = kind::table;
  position where_;
  std::string text_;
  std::int64_t integer_ = 0;
  double floating_ = 0;
  std::vector<value> elements_;
  std::vector<member> members_;
  std::map<std::string, std::size_t, std::less<>> index_;
  // How a table or array came to be, for TOML's rules on defining tables once.
  bool defined_by_header_ = false;  ///< [header] named it
  bool defined_by_dotted_ = false;  ///< a dotted key made it
  bool frozen_ = false;             ///< an inline table or a static array: complete as written
  bool array_of_tables_ = false;    ///< made by [[header]]
};

struct member {
  std::string key;
  position key_where;
  toml::value value;
};

/// Arrays and inline tables may nest this deep; deeper documents are refused.
inline constexpr int max_depth = 128;

/// Parses `text` as a TOML 1.0 document; throws syntax_error.
value parse(std::string_view text);

/// `key` as TOML writes it: bare when it can be, else a quoted basic string with
/// every control character escaped (a message built from it stays one line).
std::string format_key(std::string_view key);
/// `text` as a TOML basic string, quotes included, control characters escaped.
std::string quote(std::string_view text);
/// Whether `text` is valid UTF-8 (TOML can hold nothing else).
bool is_utf8(std::string_view text);

}  // namespace rankpool::detail::toml
