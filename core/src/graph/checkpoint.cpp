// MXNet checkpoints: naming, saving, loading any MXNet version's files, and
// copying loaded parameters into a bound network with useful mismatch errors.
#include "fitbench/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string_view>

#include "fitbench/file_util.h"

namespace fitbench {

namespace {

constexpr std::string_view kPartialSuffix = "-partial";

// "prefix-0003.params": MXNet's "%s-%04d.params" naming.
std::string epoch_path(const std::string& prefix, int epoch, const char* extension) {
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "-%04d.%s", epoch, extension);
  return prefix + suffix;
}

}  // namespace

std::string params_path(const std::string& prefix, int epoch) { return epoch_path(prefix, epoch, "params"); }

std::string states_path(const std::string& prefix, int epoch) { return epoch_path(prefix, epoch, "states"); }

std::string symbol_path(const std::string& prefix) { return prefix + "-symbol.json"; }

std::string partial_prefix(const std::string& prefix) { return prefix + std::string(kPartialSuffix); }

std::string prefix_of_partial(const std::string& prefix) {
  if (prefix.size() <= kPartialSuffix.size() || !prefix.ends_with(kPartialSuffix)) return {};
  return prefix.substr(0, prefix.size() - kPartialSuffix.size());
}

void create_checkpoint_directory(const std::string& prefix) {
  const auto dir = std::filesystem::path(prefix).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) fail("cannot create the checkpoint directory '", dir.string(), "': ", ec.message());
}

std::vector<std::string> remove_stale_temporaries(const std::string& prefix) {
  namespace fs = std::filesystem;
  const fs::path base(prefix);
  const fs::path dir = base.parent_path().empty() ? fs::path(".") : base.parent_path();
  const std::string stem = base.filename().string() + "-";
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const auto mark = name.rfind(".tmp-");
    if (name.rfind(stem, 0) != 0 || mark == std::string::npos) continue;
    const std::string pid_text = name.substr(mark + 5);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    // A live writer (another run with this prefix) keeps its file.
    if (process_is_running(static_cast<int>(std::stol(pid_text)))) continue;
    if (fs::remove(entry.path(), ec)) removed.push_back(entry.path().string());
  }
  return removed;
}

std::string saved_epochs_text(const std::string& prefix) {
  std::string text;
  for (int epoch : saved_epochs(prefix)) text += (text.empty() ? "" : ", ") + std::to_string(epoch);
  return text.empty() ? "none" : text;
}

std::vector<int> saved_epochs(const std::string& prefix) {
  namespace fs = std::filesystem;
  std::vector<int> epochs;
  std::error_code ec;
  if (!fs::exists(symbol_path(prefix), ec)) return epochs;
  const fs::path base(prefix);
  const std::string stem = base.filename().string() + "-";
  constexpr std::string_view extension = ".params";
  for (const auto& entry : fs::directory_iterator(base.parent_path().empty() ? fs::path(".") : base.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(stem) || !name.ends_with(extension)) continue;
    const std::string digits = name.substr(stem.size(), name.size() - stem.size() - extension.size());
    // "%04d": four digits or more; "lenet-partial-0002.params" is another prefix's.
    if (digits.size() < 4 || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    epochs.push_back(std::stoi(digits));
  }
  std::sort(epochs.begin(), epochs.end());
  return epochs;
}

void save_checkpoint(const std::string& prefix, int epoch, const Checkpoint& checkpoint) {
  create_checkpoint_directory(prefix);
  checkpoint.symbol.save(symbol_path(prefix));
  NamedArrays list;
  for (const auto& [name, t] : checkpoint.arg_params) {
    list.names.push_back("arg:" + name);
    list.arrays.push_back(t);
  }
  for (const auto& [name, t] : checkpoint.aux_params) {
    list.names.push_back("aux:" + name);
    list.arrays.push_back(t);
  }
  save_ndarray_list(params_path(prefix, epoch), list);
}

Checkpoint load_checkpoint(const std::string& prefix, int epoch) {
  return load_model(symbol_path(prefix), params_path(prefix, epoch));
}

Checkpoint load_model(const std::string& symbol_file, const std::string& params_file) {
  Checkpoint c;
  c.symbol = Symbol::load(symbol_file);
  const auto aux_names = c.symbol.list_auxiliary_states();
  const std::set<std::string> aux(aux_names.begin(), aux_names.end());
  NamedArrays list = load_ndarray_list(params_file);
  if (list.names.size() != list.arrays.size())
    fail(params_file, ": the parameters have no names; fitbench needs the names of the network's parameters");
  for (size_t i = 0; i < list.names.size(); ++i) {
    const std::string& name = list.names[i];
    std::string bare = name;
    bool is_aux = false;
    if (name.rfind("arg:", 0) == 0 || name.rfind("aux:", 0) == 0) {
      bare = name.substr(4);
      is_aux = name[1] == 'u';
    } else {
      is_aux = aux.count(name) > 0;
    }
    if (!list.arrays[i].defined()) fail(params_file, ": parameter '", name, "' is an empty (shapeless) array");
    (is_aux ? c.aux_params : c.arg_params)[bare] = to_float32(list.arrays[i]);
  }
  return c;
}

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<std::string> set_params(ParameterSet& exec, const std::map<std::string, Tensor>& arg_params,
                                    const std::map<std::string, Tensor>& aux_params, const std::string& source,
                                    bool allow_missing) {
  std::vector<std::string> unexpected, missing;
  const auto check = [&](const std::map<std::string, Tensor>& given, const std::vector<std::string>& wanted,
                         const char* kind) {
    for (const auto& [name, t] : given)
      if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) unexpected.push_back(kind + name);
    for (const auto& name : wanted)
      if (!given.count(name)) missing.push_back(kind + name);
  };
  check(arg_params, exec.param_names(), "arg:");
  check(aux_params, exec.aux_names(), "aux:");
  if (!unexpected.empty() || (!missing.empty() && !allow_missing)) {
    std::string msg = source + " does not match the network:";
    if (!missing.empty() && !allow_missing) msg += " missing from the file: " + join(missing) + ";";
    if (!unexpected.empty()) msg += " not in the network: " + join(unexpected) + ";";
    fail(msg, " load it with the symbol it was saved with");
  }
  const auto copy = [&](const std::map<std::string, Tensor>& from, const std::string& name, const Tensor& dst) {
    const auto it = from.find(name);
    if (it == from.end()) return;
    if (it->second.shape() != dst.shape())
      fail(source, ": parameter '", name, "' has shape ", it->second.shape().str(), " but the network needs ",
           dst.shape().str());
    dst.copy_from(it->second);
  };
  for (const auto& name : exec.param_names()) copy(arg_params, name, exec.param(name));
  for (const auto& name : exec.aux_names()) copy(aux_params, name, exec.aux(name));
  for (auto& name : missing) name = name.substr(4);
  return missing;
}

}  // namespace fitbench
