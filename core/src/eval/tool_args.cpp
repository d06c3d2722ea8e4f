// The companion tools' command-line parser over ArgSpec rows.
#include "fitbench/tool_args.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <set>

#include <nlohmann/json.hpp>

#include "fitbench/checkpoint.h"
#include "fitbench/file_util.h"
#include "fitbench/fit_config.h"

namespace fitbench {

namespace {

[[noreturn]] void bad_value(const ArgSpec& spec, const std::string& why) {
  throw ArgError("argument --" + spec.name + ": " + why);
}

// The checks FitArgs::set applies to a schema row: type, choices, validator.
std::string checked(const ArgSpec& spec, const std::string& value) {
  std::string text = value;
  if (spec.type == ArgType::Int) {
    const auto v = parse_python_int(value);
    if (!v) bad_value(spec, "invalid int value: '" + value + "'");
    text = std::to_string(*v);
  } else if (spec.type == ArgType::Float) {
    const auto v = parse_python_float(value);
    if (!v) bad_value(spec, "invalid float value: '" + value + "'");
    text = python_float_repr(*v);
  }
  if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
    std::string list;
    for (const auto& c : spec.choices) list += (list.empty() ? "'" : ", '") + c + "'";
    bad_value(spec, "invalid choice: '" + value + "' (choose from " + list + ")");
  }
  if (spec.validate)
    if (auto why = spec.validate(text)) bad_value(spec, *why);
  return text;
}

std::string entry(const std::string& invocation, const std::string& help) {
  std::string line = "  " + invocation;
  if (line.size() < 30)
    line.append(30 - line.size(), ' ');
  else
    line += "\n" + std::string(30, ' ');
  return line + help + "\n";
}

std::string with_default(const ArgSpec& spec, const std::optional<std::string>& value) {
  return spec.help + (value && !value->empty() ? " (default: " + *value + ")" : "");
}

// The run that saved under --model-prefix wrote its arguments to config.json
// beside it (fitbench-cli and the application do, unless --run-dir sent them
// elsewhere). Its data settings the command line does not give are taken,
// and listed in the returned note.
std::string take_run_settings(FitArgs& fit, const std::vector<std::string>& borrowed,
                              const std::set<std::string>& given) {
  namespace fs = std::filesystem;
  if (!fit.is_set("model-prefix")) return {};
  const fs::path prefix = fit.get_string("model-prefix");
  const fs::path config = prefix.parent_path() / "config.json";
  std::error_code ec;
  if (!fs::is_regular_file(config, ec)) return {};
  FitArgs run;
  try {
    run = FitArgs::from_json(nlohmann::json::parse(read_file(config.string())));
  } catch (const std::exception&) {
    return {};  // not a run's arguments: the command line alone decides
  }
  const std::string saved = run.get_string("model-prefix");
  if (saved.empty()) return {};
  const fs::path name = prefix.filename();
  if (fs::path(saved).filename() != name && fs::path(partial_prefix(saved)).filename() != name) return {};
  std::string taken;
  for (const std::string key : {"data-train", "image-shape", "rgb-mean", "rgb-std"}) {
    if (given.count(key) || std::find(borrowed.begin(), borrowed.end(), key) == borrowed.end()) continue;
    const std::optional<std::string> value = run.raw(key);
    if (value == fit.raw(key)) continue;
    if (value)
      fit.set(key, *value);
    else
      fit.unset(key);
    taken += " --" + key + " " + value.value_or("None");
  }
  if (taken.empty()) return {};
  return "reading inputs as the model's run did (" + config.string() + "):" + taken +
         "; give these arguments to change them";
}

}  // namespace

bool ToolArgs::has(const std::string& name) const { return own.at(name).has_value(); }

std::string ToolArgs::get(const std::string& name) const { return own.at(name).value_or(""); }

int ToolArgs::get_int(const std::string& name) const {
  const auto v = parse_python_int(get(name));
  if (!v) throw ArgError("argument --" + name + " is needed");
  return static_cast<int>(*v);
}

ToolCommandLine::ToolCommandLine(std::string program, std::string description, std::vector<ArgSpec> own,
                                 std::vector<std::string> borrowed, std::string positional)
    : program_(std::move(program)),
      description_(std::move(description)),
      positional_(std::move(positional)),
      own_(std::move(own)),
      borrowed_(std::move(borrowed)) {
  for (const auto& name : borrowed_) FB_ASSERT(find_arg(name) != nullptr);
}

const ArgSpec* ToolCommandLine::own_spec(const std::string& name) const {
  for (const auto& spec : own_)
    if (spec.name == name) return &spec;
  return nullptr;
}

int ToolCommandLine::run(int argc, char** argv, const std::function<int(const ToolArgs&)>& body) const {
  const auto report = [&](const std::exception& e, int code) {
    std::fprintf(stderr, "%s: error: %s\n", program_.c_str(), e.what());
    return code;
  };
  try {
    const ToolArgs args = parse(std::vector<std::string>(argv + 1, argv + argc));
    if (!args.run_settings.empty()) std::fprintf(stderr, "%s: %s\n", program_.c_str(), args.run_settings.c_str());
    return body(args);
  } catch (const HelpRequested&) {
    std::fputs(help().c_str(), stdout);
    return 0;
  } catch (const ArgError& e) {
    return report(e, 2);
  } catch (const std::exception& e) {
    return report(e, 1);
  }
}

ToolArgs ToolCommandLine::parse(const std::vector<std::string>& words, FitArgs defaults) const {
  ToolArgs out;
  out.fit = std::move(defaults);
  for (const auto& spec : own_) out.own[spec.name] = spec.default_value;
  std::set<std::string> given;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "-h" || word == "--help") throw HelpRequested();
    if (word.rfind("--", 0) != 0 || word.size() == 2) {
      if (positional_.empty()) throw ArgError("unrecognized argument: " + word);
      out.positional.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const ArgSpec* own = own_spec(name);
    const bool borrowed = std::find(borrowed_.begin(), borrowed_.end(), name) != borrowed_.end();
    if (!own && !borrowed) throw ArgError("unrecognized argument: --" + name + " (see " + program_ + " --help)");
    if (!value) {
      if (i + 1 == words.size()) throw ArgError("argument --" + name + ": expected one argument");
      value = words[++i];
    }
    if (own) {
      out.own[name] = checked(*own, *value);
    } else {
      out.fit.set(name, *value);
      given.insert(name);
    }
  }
  out.run_settings = take_run_settings(out.fit, borrowed_, given);
  return out;
}

std::string ToolCommandLine::help(const FitArgs& defaults) const {
  std::string out = "usage: " + program_ + " [options]" + (positional_.empty() ? "" : " " + positional_) +
                    "\n\n" + description_ + "\n\noptions:\n" + entry("-h, --help", "show this help message and exit");
  for (const auto& spec : own_) out += entry("--" + spec.name + " " + spec.metavar, with_default(spec, spec.default_value));
  out += "\ndata and model (as fitbench-cli reads them):\n";
  for (const auto& name : borrowed_) {
    const ArgSpec& spec = *find_arg(name);
    out += entry("--" + spec.name + " " + spec.metavar, with_default(spec, defaults.raw(name)));
  }
  return out;
}

// Rows name only the fields they set, as the FitArgs schema's do.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
std::vector<ArgSpec> with_model_file_args(std::vector<ArgSpec> own) {
  std::vector<ArgSpec> rows = {
      {.name = "symbol", .help = "the symbol JSON file (instead of --model-prefix)", .metavar = "FILE"},
      {.name = "params", .help = "the .params file (with --symbol)", .metavar = "FILE"},
  };
  rows.insert(rows.end(), std::make_move_iterator(own.begin()), std::make_move_iterator(own.end()));
  return rows;
}
#pragma GCC diagnostic pop

Checkpoint load_tool_model(const ToolArgs& args, std::string& params_file) {
  if (args.has("symbol") || args.has("params")) {
    if (!args.has("symbol") || !args.has("params")) throw ArgError("--symbol and --params go together");
    params_file = args.get("params");
    return load_model(args.get("symbol"), params_file);
  }
  const FitConfig config = FitConfig::resolve(args.fit);
  if (config.model_prefix.empty() || !config.load_epoch)
    throw ArgError("give the model: --model-prefix P --load-epoch N, or --symbol FILE --params FILE");
  params_file = params_path(config.model_prefix, *config.load_epoch);
  if (!std::filesystem::exists(params_file))
    throw ArgError("argument --load-epoch: " + params_file + " does not exist (epochs saved under " +
                   config.model_prefix + ": " + saved_epochs_text(config.model_prefix) + ")");
  return load_checkpoint(config.model_prefix, *config.load_epoch);
}

Device tool_device(const ToolArgs& args) {
  try {
    return usable_devices(FitConfig::resolve(args.fit).gpus).front();
  } catch (const Error& e) {
    throw ArgError(e.what());
  }
}

}  // namespace fitbench
