// MXNet checkpoints: prefix-symbol.json + prefix-%04d.params ("arg:" / "aux:"
// names), with fitbench's prefix-%04d.states beside them for exact resumes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fitbench/executor.h"
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

// A stop that saves during an epoch (TrainingControl::stop_and_save()) writes
// the weights and optimizer state under partial_prefix(prefix), numbered with
// the epoch in progress, 0-based: "lenet-partial-0002.params" holds epoch 2
// (the third) part-trained. Epoch numbers of MXNet's files count complete
// epochs, so it never takes, or overwrites, a complete epoch's name.
// --load-prefix <prefix>-partial --load-epoch 2 resumes it: that run draws the
// epoch's batches in the order the stopped run drew them, skips those its
// .states file counts as done (TrainingState::batches_done), and trains on
// from the next, so the epoch ends with the weights of a run never stopped.
std::string partial_prefix(const std::string& prefix);  // "runs/m/lenet" -> "runs/m/lenet-partial"
// The prefix whose partial checkpoints `prefix` names; "" when it names none.
std::string prefix_of_partial(const std::string& prefix);

// Creates the directory of `prefix` when it does not exist (fit.py does).
void create_checkpoint_directory(const std::string& prefix);
// Removes what saves under `prefix` that were killed left behind: files
// "<prefix>-....tmp-PID" (see write_file_atomically) whose process no longer
// exists. Returns the paths removed.
std::vector<std::string> remove_stale_temporaries(const std::string& prefix);
// The epochs saved under `prefix`: N for each prefix-NNNN.params, ascending;
// none when prefix-symbol.json is missing.
std::vector<int> saved_epochs(const std::string& prefix);
// saved_epochs() for a message: "1, 2, 3", or "none".
std::string saved_epochs_text(const std::string& prefix);
// Writes the symbol and the parameters, each through a temporary file.
void save_checkpoint(const std::string& prefix, int epoch, const Checkpoint& checkpoint);
// Reads them back: load_model(symbol_path(prefix), params_path(prefix, epoch)).
Checkpoint load_checkpoint(const std::string& prefix, int epoch);
// A symbol file and a .params file MXNet (any version), Gluon's export() or
// fitbench wrote. Names carry "arg:" / "aux:" prefixes; a bare name (Gluon's
// save_parameters of a symbol's own names) is an aux state when the symbol
// lists it as one. Arrays of any floating type are converted to float32.
// Throws Error naming the file when one is missing or malformed.
Checkpoint load_model(const std::string& symbol_file, const std::string& params_file);

// Copies `arg_params` / `aux_params` into the parameters of a bound network.
// Names the file holds but the network lacks ("unexpected") are an Error, as
// are, unless `allow_missing`, names the network needs but the file lacks
// ("missing"); both lists are given. A shape mismatch names the parameter and
// both shapes. `source` names the .params file in messages. Returns the
// names left at their previous (initial) values.
std::vector<std::string> set_params(ParameterSet& exec, const std::map<std::string, Tensor>& arg_params,
                                    const std::map<std::string, Tensor>& aux_params, const std::string& source,
                                    bool allow_missing);

}  // namespace fitbench
