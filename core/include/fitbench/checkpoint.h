// MXNet checkpoints: prefix-symbol.json + prefix-%04d.params ("arg:" / "aux:"
// names), with fitbench's prefix-%04d.states beside them for exact resumes.
#pragma once

#include <map>
#include <string>

#include "fitbench/ndarray_file.h"
#include "fitbench/symbol.h"

namespace fitbench {

struct Checkpoint {
  Symbol symbol;
  std::map<std::string, Tensor> arg_params;
  std::map<std::string, Tensor> aux_params;
};

std::string params_path(const std::string& prefix, int epoch);  // prefix-0003.params
std::string states_path(const std::string& prefix, int epoch);  // prefix-0003.states
std::string symbol_path(const std::string& prefix);             // prefix-symbol.json

// Creates the directory of `prefix` when it does not exist (fit.py does).
void create_checkpoint_directory(const std::string& prefix);
// Writes the symbol and the parameters, each through a temporary file.
void save_checkpoint(const std::string& prefix, int epoch, const Checkpoint& checkpoint);
// Reads them back (parameters converted to float32). Throws Error naming the
// file when one is missing or malformed, or a name lacks its arg:/aux: prefix.
Checkpoint load_checkpoint(const std::string& prefix, int epoch);

}  // namespace fitbench
