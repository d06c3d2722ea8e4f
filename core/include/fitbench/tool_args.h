// Command lines of fitbench's companion tools (fitbench-score,
// fitbench-predict): a table of the tool's own ArgSpec rows plus rows
// borrowed by name from the FitArgs schema, so a data argument reads,
// validates and defaults exactly as in fitbench-cli.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fitbench/checkpoint.h"
#include "fitbench/fit_args.h"

namespace fitbench {

struct ToolArgs {
  FitArgs fit;  // the borrowed arguments (and the rest of fit's defaults)
  std::map<std::string, std::optional<std::string>> own;  // the tool's own, validated text
  std::vector<std::string> positional;
  // The data settings parse() took from the model's training run (see
  // ToolCommandLine::parse), as a line run() prints; empty when none.
  std::string run_settings;

  bool has(const std::string& name) const;         // an own argument that is not None
  std::string get(const std::string& name) const;  // "" for None
  int get_int(const std::string& name) const;
};

class ToolCommandLine {
 public:
  // `positional` names the positional arguments in --help ("" when the tool
  // takes none).
  ToolCommandLine(std::string program, std::string description, std::vector<ArgSpec> own,
                  std::vector<std::string> borrowed, std::string positional = "");
  // "--name value" / "--name=value" as argparse reads them, starting from
  // `defaults` for the borrowed rows. Borrowed data settings the words leave
  // out (--data-train, --image-shape, --rgb-mean, --rgb-std) come from the
  // config.json beside --model-prefix when that run saved under this prefix,
  // so inputs are read and normalised as the model was trained. Throws
  // ArgError (unknown option, bad or missing value) or HelpRequested.
  ToolArgs parse(const std::vector<std::string>& words, FitArgs defaults = {}) const;
  // Grouped help: the tool's own options, then the borrowed ones with the
  // defaults the tool starts from.
  std::string help(const FitArgs& defaults = {}) const;
  // A tool's main(): parses argv (--help prints help() and gives 0), then
  // gives `body`'s exit code. An ArgError, from parsing or from `body`, is a
  // usage error: "<program>: error: ..." on stderr and 2; any other exception
  // (an Error naming a bad file, or a bug) is reported the same way with 1.
  int run(int argc, char** argv, const std::function<int(const ToolArgs&)>& body) const;

 private:
  const ArgSpec* own_spec(const std::string& name) const;
  std::string program_, description_, positional_;
  std::vector<ArgSpec> own_;
  std::vector<std::string> borrowed_;
};

// A model tool's own rows: --symbol and --params (used with the borrowed
// --model-prefix and --load-epoch), then `own`.
std::vector<ArgSpec> with_model_file_args(std::vector<ArgSpec> own);
// Loads the model they name; sets `params_file` to the .params path. Throws
// ArgError when neither form is complete, Error when a file is bad.
Checkpoint load_tool_model(const ToolArgs& args, std::string& params_file);
// The device --gpus (a borrowed row) names: its first GPU (the tools run one
// executor), or the CPU. An ArgError says why a GPU cannot be used.
Device tool_device(const ToolArgs& args);

}  // namespace fitbench
