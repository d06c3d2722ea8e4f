#include "fitbench/attr_reader.h"

#include <cctype>
#include <cstdlib>

namespace fitbench {

namespace {

template <class T, class Convert>
std::vector<T> parse_tuple(const std::string& text, const std::string& what, Convert convert) {
  std::vector<T> values;
  std::string token;
  auto flush = [&] {
    if (token.empty()) return;
    size_t used = 0;
    try {
      values.push_back(convert(token, &used));
    } catch (const std::out_of_range&) {
      fail(what, ": ", token, " in '", text, "' is out of range");
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != token.size()) fail(what, ": cannot read '", text, "' as a list of numbers");
    token.clear();
  };
  for (char c : text) {
    if (c == '(' || c == ')' || c == '[' || c == ']' || c == ',' || std::isspace(static_cast<unsigned char>(c)))
      flush();
    else
      token += c;
  }
  flush();
  return values;
}

}  // namespace

std::vector<int> parse_int_tuple(const std::string& text, const std::string& what) {
  // MXNet writes longs as "3L" in some old files.
  return parse_tuple<int>(text, what, [](const std::string& s, size_t* used) {
    int v = std::stoi(s, used);
    if (*used + 1 == s.size() && (s.back() == 'L' || s.back() == 'l')) ++*used;
    return v;
  });
}

std::vector<float> parse_float_tuple(const std::string& text, const std::string& what) {
  return parse_tuple<float>(text, what, [](const std::string& s, size_t* used) { return std::stof(s, used); });
}

AttrReader::AttrReader(const char* op, const Attrs& attrs) : op_(op), attrs_(attrs) {}

std::optional<std::string> AttrReader::find(const std::string& key) const {
  read_.insert(key);
  auto it = attrs_.find(key);
  if (it == attrs_.end() || it->second == "None") return std::nullopt;
  return it->second;
}

bool AttrReader::has(const std::string& key) const { return find(key).has_value(); }

int AttrReader::get_int(const std::string& key, int fallback) const {
  auto v = find(key);
  if (!v) return fallback;
  auto values = parse_int_tuple(*v, detail::concat(op_, " attribute '", key, "'"));
  if (values.size() != 1) fail(op_, " attribute '", key, "' must be one integer, got '", *v, "'");
  return values[0];
}

int AttrReader::require_int(const std::string& key) const {
  if (!has(key)) fail(op_, " needs the attribute '", key, "'");
  return get_int(key, 0);
}

float AttrReader::get_float(const std::string& key, float fallback) const {
  auto v = find(key);
  if (!v) return fallback;
  auto values = parse_float_tuple(*v, detail::concat(op_, " attribute '", key, "'"));
  if (values.size() != 1) fail(op_, " attribute '", key, "' must be one number, got '", *v, "'");
  return values[0];
}

bool AttrReader::get_bool(const std::string& key, bool fallback) const {
  auto v = find(key);
  if (!v) return fallback;
  if (*v == "True" || *v == "true" || *v == "1") return true;
  if (*v == "False" || *v == "false" || *v == "0") return false;
  fail(op_, " attribute '", key, "' must be True or False, got '", *v, "'");
}

std::string AttrReader::get_string(const std::string& key, const std::string& fallback) const {
  auto v = find(key);
  return v ? *v : fallback;
}

std::string AttrReader::get_choice(const std::string& key, const std::string& fallback,
                                   const std::vector<std::string>& choices) const {
  std::string v = get_string(key, fallback);
  for (const auto& c : choices)
    if (v == c) return v;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  fail(op_, " attribute '", key, "' is '", v, "'; expected one of: ", list);
}

std::vector<int> AttrReader::get_tuple(const std::string& key, std::vector<int> fallback, int length) const {
  auto v = find(key);
  if (!v) return fallback;
  auto values = parse_int_tuple(*v, detail::concat(op_, " attribute '", key, "'"));
  if (length > 0 && values.size() == 1) values.assign(static_cast<size_t>(length), values[0]);
  if (length > 0 && static_cast<int>(values.size()) != length)
    fail(op_, " attribute '", key, "' needs ", length, " values, got '", *v, "'");
  return values;
}

void AttrReader::reject_unknown(const std::set<std::string>& ignored) const {
  for (const auto& [key, value] : attrs_) {
    if (read_.count(key) || ignored.count(key)) continue;
    if (key.size() >= 4 && key.rfind("__", 0) == 0) continue;  // variable attributes (__shape__, __lr_mult__)
    fail(op_, " has no attribute '", key, "' (value '", value, "')");
  }
}

}  // namespace fitbench
