#include "fitbench/checkpoint.h"

#include <cstdio>
#include <filesystem>

namespace fitbench {

namespace {

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

void create_checkpoint_directory(const std::string& prefix) {
  const auto dir = std::filesystem::path(prefix).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) fail("cannot create the checkpoint directory '", dir.string(), "': ", ec.message());
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
  Checkpoint c;
  c.symbol = Symbol::load(symbol_path(prefix));
  const std::string path = params_path(prefix, epoch);
  NamedArrays list = load_ndarray_list(path);
  if (list.names.size() != list.arrays.size())
    fail(path, ": the parameters have no names; fitbench needs MXNet's \"arg:\" / \"aux:\" names");
  for (size_t i = 0; i < list.names.size(); ++i) {
    const std::string& name = list.names[i];
    const auto colon = name.find(':');
    const std::string kind = colon == std::string::npos ? "" : name.substr(0, colon);
    if (kind != "arg" && kind != "aux")
      fail(path, ": parameter '", name, "' has neither an \"arg:\" nor an \"aux:\" prefix");
    (kind == "arg" ? c.arg_params : c.aux_params)[name.substr(colon + 1)] = to_float32(list.arrays[i]);
  }
  return c;
}

}  // namespace fitbench
