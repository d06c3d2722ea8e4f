// The FitArgs schema: one row per fit.py argument. The CLI parser, --help,
// the GUI form, experiment JSON and the equivalent command line all derive
// from this table, so a new argument is one row.
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fitbench/error.h"

namespace fitbench {

enum class ArgType { Int, Float, String };

struct ArgSpec {
  std::string name;  // without dashes: "lr-step-epochs"
  ArgType type = ArgType::String;
  std::optional<std::string> default_value;  // nullopt: Python's None
  std::string help;
  std::string group;                 // "Network", "Data", "Augmentation", ...: --help sections, GUI pages
  std::vector<std::string> choices;  // empty: any value
  // Extra check of a parsed value (its stored text: Int in decimal, Float as
  // Python's repr); returns the reason when it is bad.
  std::function<std::optional<std::string>(const std::string&)> validate;
  std::string metavar;  // for --help: "LR_STEP_EPOCHS"
  // The argparse group fit.py / data.py put it in ("Training", "Data",
  // "Image augmentations"); "" for --monitor, which fit.py adds to the parser
  // itself; "fitbench" for our extensions, which MXNet lacks.
  std::string mxnet_group;
  // Values to offer where fit.py takes any text and checks it later (the
  // networks, the optimizers): a GUI lists them, argparse does not limit to them.
  std::vector<std::string> suggestions;
  // What a path argument names, so a GUI can offer the right picker.
  enum class Path { None, File, Folder, FileOrFolder, Prefix };
  Path path = Path::None;
};

// Every argument, in --help order.
const std::vector<ArgSpec>& fit_arg_schema();
const ArgSpec* find_arg(const std::string& name);

// A bad command line or value: the CLI prints what() and exits with code 2.
class ArgError : public Error {
 public:
  using Error::Error;
};

// The ArgError of the fit.py argument that set a lower layer's setting:
// SettingError("num_layers", "7 is not a resnet depth ...") becomes
// "argument --num-layers: 7 is not a resnet depth ...". Settings are named
// after the argument ("image_shape"), or mapped where the layer has its own
// word ("kvstore", "devices").
ArgError argument_error(const SettingError& error);

// Runs `step`, rethrowing a SettingError from the layers below as the
// argument's ArgError, so a person reads the flag they can change.
template <class Step>
decltype(auto) naming_arguments(Step&& step) {
  try {
    return std::forward<Step>(step)();
  } catch (const SettingError& e) {
    throw argument_error(e);
  }
}

// --help or -h on the command line: the CLI prints format_help() and exits 0.
// Not an Error, so a handler of bad input does not swallow it.
class HelpRequested : public std::exception {
 public:
  const char* what() const noexcept override { return "help requested"; }
};

class FitArgs {
 public:
  // All defaults of the schema.
  FitArgs();

  // Sets one argument from text, validating it. Throws ArgError
  // ("argument --lr: invalid float value: 'abc'").
  void set(const std::string& name, const std::string& value);
  void unset(const std::string& name);         // back to None
  bool is_set(const std::string& name) const;  // not None
  std::optional<std::string> raw(const std::string& name) const;

  int get_int(const std::string& name) const;
  double get_float(const std::string& name) const;
  std::string get_string(const std::string& name) const;  // "" for None
  // A comma list as fit.py / data.py read it ([int(x) for x in s.split(',')]):
  // --gpus, --image-shape, --lr-step-epochs; [] for None or "".
  std::vector<int> get_int_list(const std::string& name) const;
  // [float(x) for x in s.split(',')]: --rgb-mean, --rgb-std.
  std::vector<double> get_float_list(const std::string& name) const;

  // Python's repr of argparse's Namespace, sorted by destination:
  // "Namespace(batch_size=64, ..., wd=0.0001)".
  std::string namespace_repr() const;
  // Arguments that differ from `base` (the defaults the program starts from:
  // the schema's, or train_mnist_defaults() for fitbench-cli), as a command
  // line in schema order and shell-quoted; a value starting with '-' is
  // written "--name=value". None cannot be written, so an argument that is
  // None here but set in `base` is left out.
  std::string command_line(const std::string& program = "fitbench-cli", const FitArgs& base = FitArgs()) const;
  nlohmann::json to_json() const;
  // Throws ArgError naming the key on an unknown argument or a bad value.
  static FitArgs from_json(const nlohmann::json& j);

  bool operator==(const FitArgs&) const = default;

 private:
  std::map<std::string, std::optional<std::string>> values_;
};

// Parses argv[1..] as argparse would ("--lr 0.1", "--lr=0.1"), starting from
// `defaults` (script defaults such as train_mnist's). Throws ArgError.
FitArgs parse_command_line(const std::vector<std::string>& args, FitArgs defaults = {});
// argparse-style grouped help, each argument with its value in `defaults`
// (the program's own, as argparse shows a script's set_defaults()).
std::string format_help(const std::string& program, const FitArgs& defaults = FitArgs());

// Splits a command line into words as a POSIX shell would (quotes,
// backslashes), so a pasted fit.py command line or command_line()'s output
// can be parsed back. Throws ArgError on an unterminated quote.
std::vector<std::string> split_command_line(const std::string& line);

// The power of a "pow<number>" --lr-step-epochs (fit.py: float(re.sub('pow[- ]*',
// '', s)), so "pow2" and "pow-2" both give 2); nullopt when the text holds no "pow".
// Throws ArgError when what remains is not a number.
std::optional<double> lr_step_epochs_power(const std::string& text);

// Python's int() and float() on argument text, as argparse's type= applies
// them: surrounding whitespace, a sign, '_' between digits, inf / nan.
// Integers beyond long long saturate (Python's have no limit), so range
// checks can still name the value.
std::optional<long long> parse_python_int(std::string_view text);
std::optional<double> parse_python_float(std::string_view text);
// Python's repr(float): shortest round-trip digits, exponent form when the
// exponent is < -4 or >= 16 ("0.0001", "1e-05", "100.0", "1e+16").
std::string python_float_repr(double value);

}  // namespace fitbench
