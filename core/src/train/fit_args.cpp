// FitArgs: values of the schema's arguments, and every way they travel —
// argparse's command line and --help, Python's Namespace repr (fit.py logs
// it), JSON configs, and the equivalent command line the GUI shows.
#include "fitbench/fit_args.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace fitbench {

namespace {

std::string dest_of(const std::string& name) {
  std::string dest = name;
  std::ranges::replace(dest, '-', '_');
  return dest;
}

// Python's repr(str), as argparse quotes values in its messages and
// Namespace shows strings. Bytes from 0x80 up pass through: they are UTF-8,
// which Python prints as is.
std::string python_str_repr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\' || c == quote) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out + quote;
}

[[noreturn]] void fail_arg(const ArgSpec& spec, const std::string& reason) {
  throw ArgError("argument --" + spec.name + ": " + reason);
}

// A Float whose text is a plain integer is a Python int: a row's integer
// default (data.py's default=1) or a JSON integer. Namespace and JSON show it
// as such.
bool is_int_literal(const std::string& text) {
  const size_t start = !text.empty() && text.front() == '-' ? 1 : 0;
  return text.size() > start && text.find_first_not_of("0123456789", start) == std::string::npos;
}

// What argparse does to one value: type conversion, then choices, then our
// check. Returns the text to store: Int in decimal, Float as Python's repr,
// so that equal values compare equal and survive JSON.
std::string normalize(const ArgSpec& spec, const std::string& value) {
  std::string text = value;
  switch (spec.type) {
    case ArgType::Int: {
      const auto v = parse_python_int(value);
      if (!v) fail_arg(spec, "invalid int value: " + python_str_repr(value));
      if (*v < INT_MIN || *v > INT_MAX) {
        fail_arg(spec, "must be between " + std::to_string(INT_MIN) + " and " + std::to_string(INT_MAX) +
                           ", got " + value);
      }
      text = std::to_string(*v);
      break;
    }
    case ArgType::Float: {
      const auto v = parse_python_float(value);
      if (!v) fail_arg(spec, "invalid float value: " + python_str_repr(value));
      text = python_float_repr(*v);
      break;
    }
    case ArgType::String:
      break;
  }
  if (!spec.choices.empty() && std::ranges::find(spec.choices, text) == spec.choices.end()) {
    std::string choices;
    for (const std::string& choice : spec.choices)
      choices += (choices.empty() ? "" : ", ") + python_str_repr(choice);
    fail_arg(spec, "invalid choice: " + python_str_repr(text) + " (choose from " + choices + ")");
  }
  if (spec.validate) {
    if (auto reason = spec.validate(text)) fail_arg(spec, *reason);
  }
  return text;
}

const ArgSpec& spec_for_getter(const std::string& name) {
  const ArgSpec* spec = find_arg(name);
  if (spec == nullptr) throw InternalError("internal error: no fit argument named '" + name + "'");
  return *spec;
}

// Characters a POSIX shell leaves alone (Python's shlex.quote keeps the same).
bool shell_safe(const std::string& word) {
  return !word.empty() && std::ranges::all_of(word, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("@%+=:,./-_").find(c) != std::string_view::npos;
  });
}

std::string shell_quote(const std::string& word) {
  if (shell_safe(word)) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return out + "'";
}

// How argparse reads one command-line word (_parse_optional), in its order:
// a known option (exact, or "--name=value"), an unambiguous prefix of one,
// then a value when it is "-" alone, a negative number (here: '-' then a
// digit, or "-." then a digit) or holds a space; any other '-' word is an
// unknown option.
enum class WordKind { value, option, unknown_option };

struct Word {
  WordKind kind = WordKind::value;
  std::string name;  // of an option: a schema name or "help"
  std::optional<std::string> explicit_value;
};

bool is_digit_at(const std::string& s, size_t i) {
  return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
}

Word classify(const std::string& word) {
  if (word.size() < 2 || word.front() != '-') return {};
  if (word == "-h") return {WordKind::option, "help", std::nullopt};
  // "--" ends the options; as a would-be value it is no value.
  if (word == "--") return {WordKind::unknown_option, "", std::nullopt};
  if (word[1] == '-') {
    const size_t eq = word.find('=');
    const std::string key = word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::optional<std::string> explicit_value;
    if (eq != std::string::npos) explicit_value = word.substr(eq + 1);
    if (key == "help" || find_arg(key) != nullptr) return {WordKind::option, key, explicit_value};
    std::vector<std::string> matches;
    if (std::string_view("help").starts_with(key)) matches.push_back("help");
    for (const ArgSpec& spec : fit_arg_schema()) {
      if (spec.name.starts_with(key)) matches.push_back(spec.name);
    }
    if (matches.size() > 1) {
      std::string list;
      for (const std::string& m : matches) list += (list.empty() ? "--" : ", --") + m;
      throw ArgError("ambiguous option: " + word + " could match " + list);
    }
    if (matches.size() == 1) return {WordKind::option, matches.front(), explicit_value};
  }
  if (is_digit_at(word, 1) || (word[1] == '.' && is_digit_at(word, 2))) return {};
  if (word.find(' ') != std::string::npos) return {};
  return {WordKind::unknown_option, "", std::nullopt};
}

// Greedy word wrap, as Python's textwrap does for argparse (whitespace runs
// collapse; a word longer than a line is cut).
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = text.find_first_not_of(" \t\n", pos);
    if (start == std::string::npos) break;
    const size_t end = std::min(text.find_first_of(" \t\n", start), text.size());
    std::string word = text.substr(start, end - start);
    pos = end;
    while (!word.empty()) {
      const size_t needed = line.empty() ? word.size() : line.size() + 1 + word.size();
      if (needed <= width) {
        line += (line.empty() ? "" : " ") + word;
        word.clear();
      } else if (!line.empty()) {
        lines.push_back(std::exchange(line, ""));
      } else {
        lines.push_back(word.substr(0, width));
        word.erase(0, width);
      }
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

// argparse's layout for an 80-column terminal: text width 78, help text from
// column 24; an invocation too long for its column gets a line of its own.
constexpr size_t help_text_width = 78;
constexpr size_t help_position = 24;

void append_entry(std::string& out, const std::string& invocation, const std::string& help) {
  const size_t action_width = help_position - 4;
  const std::vector<std::string> lines = wrap(help, help_text_width - help_position);
  std::string first = "  " + invocation;
  if (invocation.size() <= action_width) {
    first += std::string(help_position - first.size(), ' ');
  } else {
    out += first + "\n";
    first = std::string(help_position, ' ');
  }
  out += first + (lines.empty() ? "" : lines.front()) + "\n";
  for (size_t i = 1; i < lines.size(); ++i) out += std::string(help_position, ' ') + lines[i] + "\n";
}

std::string help_of(const ArgSpec& spec, const std::optional<std::string>& default_value) {
  std::string text = spec.help + " (";
  if (!spec.choices.empty()) {
    text += "choices:";
    for (size_t i = 0; i < spec.choices.size(); ++i) text += (i == 0 ? " " : ", ") + spec.choices[i];
    text += "; ";
  }
  // argparse's ArgumentDefaultsHelpFormatter prints str(default), after the
  // script's set_defaults().
  return text + "default: " + default_value.value_or("None") + ")";
}

}  // namespace

ArgError argument_error(const SettingError& error) {
  // The layers' own words for what an argument sets.
  static const std::map<std::string, std::string> argument_of = {
      {"kvstore", "kv-store"}, {"gradient_sum", "kv-store"}, {"compression", "gc-type"}, {"devices", "gpus"}};
  const auto mapped = argument_of.find(error.setting());
  std::string name = mapped != argument_of.end() ? mapped->second : error.setting();
  std::replace(name.begin(), name.end(), '_', '-');
  if (find_arg(name) == nullptr) return ArgError(error.what());
  return ArgError("argument --" + name + ": " + error.what());
}

FitArgs::FitArgs() {
  for (const ArgSpec& spec : fit_arg_schema()) values_[spec.name] = spec.default_value;
}

void FitArgs::set(const std::string& name, const std::string& value) {
  const ArgSpec* spec = find_arg(name);
  if (spec == nullptr) throw ArgError("unknown argument: --" + name);
  values_[name] = normalize(*spec, value);
}

void FitArgs::unset(const std::string& name) { values_.at(spec_for_getter(name).name) = std::nullopt; }

bool FitArgs::is_set(const std::string& name) const { return raw(name).has_value(); }

std::optional<std::string> FitArgs::raw(const std::string& name) const {
  return values_.at(spec_for_getter(name).name);
}

int FitArgs::get_int(const std::string& name) const {
  const ArgSpec& spec = spec_for_getter(name);
  if (spec.type != ArgType::Int) throw InternalError("internal error: get_int on non-int argument --" + name);
  const auto& value = values_.at(name);
  if (!value) throw ArgError("argument --" + name + ": a value is required here, but none was given");
  return static_cast<int>(*parse_python_int(*value));
}

double FitArgs::get_float(const std::string& name) const {
  const ArgSpec& spec = spec_for_getter(name);
  if (spec.type == ArgType::String) {
    throw InternalError("internal error: get_float on string argument --" + name);
  }
  const auto& value = values_.at(name);
  if (!value) throw ArgError("argument --" + name + ": a value is required here, but none was given");
  return *parse_python_float(*value);
}

std::string FitArgs::get_string(const std::string& name) const { return raw(name).value_or(""); }

std::string FitArgs::namespace_repr() const {
  // Python before 3.9 sorted Namespace's attributes by name (MXNet 1.9's logs).
  std::vector<std::pair<std::string, std::string>> fields;
  for (const ArgSpec& spec : fit_arg_schema()) {
    const auto& value = values_.at(spec.name);
    std::string shown = "None";
    if (value) shown = spec.type == ArgType::String ? python_str_repr(*value) : *value;
    fields.emplace_back(dest_of(spec.name), std::move(shown));
  }
  std::ranges::sort(fields);
  std::string out = "Namespace(";
  for (size_t i = 0; i < fields.size(); ++i)
    out += (i == 0 ? "" : ", ") + fields[i].first + "=" + fields[i].second;
  return out + ")";
}

std::string FitArgs::command_line(const std::string& program, const FitArgs& base) const {
  std::string out = shell_quote(program);
  for (const ArgSpec& spec : fit_arg_schema()) {
    const auto& value = values_.at(spec.name);
    // None cannot be written on a command line: the base's value stands.
    if (!value || value == base.values_.at(spec.name)) continue;
    // "--name=-x" keeps a value that starts with '-' from reading as an
    // option, in argparse as in our parser.
    if (!value->empty() && value->front() == '-') {
      out += " " + shell_quote("--" + spec.name + "=" + *value);
    } else {
      out += " --" + spec.name + " " + shell_quote(*value);
    }
  }
  return out;
}

nlohmann::json FitArgs::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const ArgSpec& spec : fit_arg_schema()) {
    const auto& value = values_.at(spec.name);
    nlohmann::json& field = j[spec.name];
    if (!value) {
      field = nullptr;
    } else if (spec.type == ArgType::String) {
      field = *value;
    } else if (spec.type == ArgType::Int || is_int_literal(*value)) {
      field = nlohmann::json::parse(*value);
    } else if (const double v = *parse_python_float(*value); std::isfinite(v)) {
      field = v;
    } else {
      field = *value;  // JSON has no inf or nan; the text reads back through set()
    }
  }
  return j;
}

FitArgs FitArgs::from_json(const nlohmann::json& j) {
  if (!j.is_object())
    throw ArgError(std::string("fit arguments must be a JSON object, got ") + j.type_name());
  FitArgs args;
  for (const auto& [key, value] : j.items()) {
    const ArgSpec* spec = find_arg(key);
    if (spec == nullptr) throw ArgError("unknown argument: --" + key);
    if (value.is_null()) {
      args.values_[key] = std::nullopt;
    } else if (value.is_string()) {
      args.set(key, value.get<std::string>());
    } else if (value.is_number_float()) {
      args.set(key, python_float_repr(value.get<double>()));
    } else if (value.is_number()) {
      // An integer for a Float stays an integer, as to_json wrote it.
      const std::string text = value.dump();
      const std::string checked = normalize(*spec, text);
      args.values_[key] = spec->type == ArgType::Float ? text : checked;
    } else {
      fail_arg(*spec, std::string("expected a number, a string or null, got JSON ") + value.type_name());
    }
  }
  return args;
}

FitArgs parse_command_line(const std::vector<std::string>& args, FitArgs defaults) {
  FitArgs out = std::move(defaults);
  std::vector<std::string> unrecognized;
  for (size_t i = 0; i < args.size(); ++i) {
    // argparse reads what follows "--" as positionals, and we take none.
    if (args[i] == "--") {
      unrecognized.insert(unrecognized.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    Word word = classify(args[i]);
    if (word.kind != WordKind::option) {
      unrecognized.push_back(args[i]);
      continue;
    }
    if (word.name == "help") {
      if (word.explicit_value) {
        throw ArgError("argument -h/--help: ignored explicit argument " +
                       python_str_repr(*word.explicit_value));
      }
      throw HelpRequested();
    }
    if (!word.explicit_value) {
      if (i + 1 == args.size() || classify(args[i + 1]).kind != WordKind::value) {
        throw ArgError("argument --" + word.name + ": expected one argument");
      }
      word.explicit_value = args[++i];
    }
    out.set(word.name, *word.explicit_value);
  }
  if (!unrecognized.empty()) {
    std::string list;
    for (const std::string& w : unrecognized) list += (list.empty() ? "" : " ") + w;
    throw ArgError("unrecognized arguments: " + list);
  }
  return out;
}


std::string format_help(const std::string& program, const FitArgs& defaults) {
  const std::vector<ArgSpec>& schema = fit_arg_schema();
  // The usage line wraps as argparse's does, continuation lines under the
  // first option.
  const std::string prefix = "usage: ";
  const std::string indent(prefix.size() + program.size() + 1, ' ');
  std::vector<std::string> parts = {"[-h]"};
  for (const ArgSpec& spec : schema) parts.push_back("[--" + spec.name + " " + spec.metavar + "]");
  std::string out = prefix + program;
  size_t line_len = out.size();
  for (const std::string& part : parts) {
    if (line_len + 1 + part.size() > help_text_width) {
      out += "\n" + indent + part;
      line_len = indent.size() + part.size();
    } else {
      out += " " + part;
      line_len += 1 + part.size();
    }
  }
  out += "\n\noptions:\n";
  append_entry(out, "-h, --help", "show this help message and exit");

  std::vector<std::string> groups;
  for (const ArgSpec& spec : schema) {
    if (std::ranges::find(groups, spec.group) == groups.end()) groups.push_back(spec.group);
  }
  for (const std::string& group : groups) {
    out += "\n" + group + ":\n";
    for (const ArgSpec& spec : schema) {
      if (spec.group == group)
        append_entry(out, "--" + spec.name + " " + spec.metavar, help_of(spec, defaults.raw(spec.name)));
    }
  }
  return out;
}

std::vector<std::string> split_command_line(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // '' makes an empty word, so emptiness alone cannot tell
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::exchange(word, ""));
      in_word = false;
      continue;
    }
    if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\n') {
      ++i;  // backslash-newline joins lines and is no word of its own
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == line.size()) throw ArgError("command line ends with a lone backslash");
      word += line[i];
    } else if (c == '\'') {
      const size_t close = line.find('\'', i + 1);
      if (close == std::string::npos) throw ArgError("unterminated ' quote in command line");
      word += line.substr(i + 1, close - i - 1);
      i = close;
    } else if (c == '"') {
      // Inside double quotes a backslash escapes only $ ` " \ and newline.
      for (++i;; ++i) {
        if (i >= line.size()) throw ArgError("unterminated \" quote in command line");
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size() &&
            std::string_view("$`\"\\\n").find(line[i + 1]) != std::string_view::npos) {
          if (line[++i] != '\n') word += line[i];
        } else {
          word += line[i];
        }
      }
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

}  // namespace fitbench
