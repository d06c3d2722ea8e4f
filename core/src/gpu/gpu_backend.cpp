// Finds, loads and checks the GPU module once per process; see fitbench/gpu_module.h.
#include "gpu/gpu_backend.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "fitbench/error.h"
#include "fitbench/gpu_module.h"

namespace fitbench {

namespace {

namespace fs = std::filesystem;

constexpr const char* kModuleFile = "libfitbench_cuda.so";
constexpr const char* kEntry = "fitbench_gpu_backend";
// Where this build tree puts the module (empty when it builds none), for the
// programs of that tree only: an installed program never looks there.
constexpr std::string_view kBuildTreeModule = FITBENCH_GPU_MODULE_BUILD_PATH;
constexpr std::string_view kBuildTree = FITBENCH_BINARY_DIR;

struct Module {
  GpuModuleStatus status;
  const GpuBackend* backend = nullptr;
};

// Loads `path` and checks that its table comes from this build.
Module open_module(const std::string& path) {
  Module m;
  m.status.path = path;
  // Left open unless it has no entry point: a module's memory and kernels serve until the process ends.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const std::string error = dlerror();
    // dlerror() names the file at fault first: the module itself or a library it needs.
    const bool itself = error.rfind(path + ":", 0) == 0;
    m.status.reason = "the GPU module " + path + " could not be loaded: " + error +
                      (itself ? " (reinstall the fitbench-cuda package, or point FITBENCH_GPU_MODULE at its "
                                "libfitbench_cuda.so)"
                              : " (install the fitbench-cuda package's dependencies: cuDNN 9, cuBLAS 13 and "
                                "NCCL, or add their folder to LD_LIBRARY_PATH)");
    return m;
  }
  const auto entry = reinterpret_cast<decltype(&fitbench_gpu_backend)>(dlsym(handle, kEntry));
  if (!entry) {
    dlclose(handle);
    m.status.reason = path + " is not a fitbench GPU module (it has no " + kEntry +
                      " function); point FITBENCH_GPU_MODULE at libfitbench_cuda.so or unset it";
    return m;
  }
  const GpuBackend* table = entry();
  if (table->abi_version != kGpuBackendAbi || table->size != sizeof(GpuBackend) ||
      std::strcmp(table->fitbench_version, FITBENCH_VERSION) != 0) {
    m.status.reason = detail::concat("the GPU module ", path, " belongs to another build (fitbench ",
                                     table->fitbench_version, ", table version ", table->abi_version, " of ",
                                     table->size, " bytes; this is fitbench ", FITBENCH_VERSION,
                                     ", table version ", kGpuBackendAbi, " of ", sizeof(GpuBackend),
                                     " bytes): install the fitbench-cuda package of this fitbench's version");
    return m;
  }
  m.status.loaded = true;
  m.backend = table;
  return m;
}

// The places of fitbench/gpu_module.h, in order.
std::vector<fs::path> module_candidates() {
  std::vector<fs::path> paths;
  std::error_code error;
  const fs::path program = fs::read_symlink("/proc/self/exe", error);
  if (error) return paths;
  paths.push_back(program.parent_path().parent_path() / "lib" / "fitbench" / kModuleFile);
  const bool in_build_tree = program.string().starts_with(std::string(kBuildTree) + "/");
  if (!kBuildTreeModule.empty() && in_build_tree) paths.emplace_back(kBuildTreeModule);
  return paths;
}

Module load_module() {
  // A module someone chose is the only one tried: another found instead would hide their mistake.
  if (const char* chosen = std::getenv("FITBENCH_GPU_MODULE"); chosen && *chosen) {
    if (std::error_code error; !fs::exists(chosen, error)) {
      Module m;
      m.status.path = chosen;
      m.status.reason = std::string("FITBENCH_GPU_MODULE names ") + chosen +
                        ", which does not exist; point it at libfitbench_cuda.so or unset it";
      return m;
    }
    return open_module(chosen);
  }
  std::string missing;            // the places without a module, for the reason
  std::optional<Module> refused;  // the first module found that did not load
  std::vector<fs::path> tried;
  for (const fs::path& path : module_candidates()) {
    std::error_code error;
    if (!fs::exists(path, error)) {
      missing += (missing.empty() ? "" : ", ") + path.lexically_normal().string();
      continue;
    }
    // The build tree's module is also the one next to its programs.
    if (std::ranges::any_of(tried, [&](const fs::path& p) { return fs::equivalent(p, path, error); }))
      continue;
    tried.push_back(path);
    Module m = open_module(path.lexically_normal().string());
    if (m.status.loaded) return m;
    if (!refused) refused = std::move(m);
  }
  if (refused) return *refused;
  Module none;
  none.status.reason = "this fitbench has no GPU module" +
                       (missing.empty() ? "" : " (none at " + missing + ")") +
                       "; install the fitbench-cuda package to train on GPUs";
  return none;
}

const Module& module() {
  static const Module loaded = load_module();
  return loaded;
}

}  // namespace

const GpuModuleStatus& gpu_module_status() { return module().status; }

const GpuBackend& gpu_backend() {
  const Module& m = module();
  if (!m.backend) fail(m.status.reason);
  return *m.backend;
}

int usable_gpu_count() { return gpu_module_status().loaded ? gpu_backend().device_count() : 0; }

std::string gpu_module_summary() {
  const GpuModuleStatus& status = gpu_module_status();
  return status.loaded ? "GPU module: loaded from " + status.path
                       : "GPU module: not loaded: " + status.reason;
}

DeviceScope::DeviceScope(Device device) {
  if (device.is_cpu()) return;
  gpu_ = &gpu_backend();
  previous_ = gpu_->set_device(device.id);
}

DeviceScope::~DeviceScope() {
  if (gpu_ && previous_ >= 0) gpu_->restore_device(previous_);
}

}  // namespace fitbench
