// The core's folders form layers: no folder includes, directly or through
// others, a folder that includes it (docs/architecture.md, section 1). The
// kernel folders (ops/kernels, ops/cpu, optim/kernels, optim/cpu) count as
// folders of their own; a public header fitbench/X.h belongs to the folder of
// X.cpp; the CUDA module (folders named cuda) is left out.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kSource = fs::path(FITBENCH_SOURCE_DIR) / "core" / "src";
const fs::path kPublic = fs::path(FITBENCH_SOURCE_DIR) / "core" / "include" / "fitbench";

// "ops/kernels" for core/src/ops/kernels/x.h, "graph" for core/src/graph/x.cpp.
std::string folder_of(const fs::path& relative) {
  const std::string first = relative.begin()->string();
  const auto second = std::next(relative.begin());
  const std::string two = first + "/" + second->string();
  for (const char* own : {"ops/kernels", "ops/cpu", "optim/kernels", "optim/cpu"})
    if (two == own) return two;
  return first;
}

bool in_cuda_module(const fs::path& relative) {
  for (const auto& part : relative)
    if (part == "cuda") return true;
  return false;
}

struct IncludeGraph {
  std::map<std::string, std::set<std::string>> edges;
  std::map<std::pair<std::string, std::string>, std::string> example;  // an include behind each edge
};

IncludeGraph read_include_graph() {
  std::map<std::string, std::string> public_owner;  // "tensor.h" -> "tensor"
  std::vector<std::pair<fs::path, std::string>> files;  // file, its folder
  for (const auto& entry : fs::recursive_directory_iterator(kSource)) {
    const fs::path relative = fs::relative(entry.path(), kSource);
    if (!entry.is_regular_file() || relative.begin() == std::prev(relative.end()) || in_cuda_module(relative))
      continue;
    const std::string folder = folder_of(relative);
    files.emplace_back(entry.path(), folder);
    if (entry.path().extension() == ".cpp") public_owner[entry.path().stem().string() + ".h"] = folder;
  }
  for (const auto& entry : fs::directory_iterator(kPublic)) {
    const auto owner = public_owner.find(entry.path().filename().string());
    if (owner != public_owner.end()) files.emplace_back(entry.path(), owner->second);
  }
  IncludeGraph graph;
  const std::regex include(R"(^\s*#\s*include\s+"([^"]+)\")");
  for (const auto& [file, folder] : files) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      const fs::path target = m[1].str();
      std::string to;
      if (target.begin()->string() == "fitbench") {
        const auto owner = public_owner.find(target.filename().string());
        if (owner == public_owner.end()) continue;  // header only (error.h, device.h): below every folder
        to = owner->second;
      } else if (std::next(target.begin()) != target.end()) {
        to = folder_of(target);
      } else {
        continue;  // a header beside the file
      }
      if (to == folder) continue;
      graph.edges[folder].insert(to);
      graph.example.emplace(std::pair{folder, to}, file.string() + " includes " + target.string());
    }
  }
  return graph;
}

// A cycle of folders as "a -> b -> a", each step with an include behind it; "" when none.
std::string find_cycle(const IncludeGraph& graph) {
  std::map<std::string, int> state;  // 1: on the current path, 2: done
  std::vector<std::string> path;
  std::string cycle;
  std::function<bool(const std::string&)> visit = [&](const std::string& folder) {
    state[folder] = 1;
    path.push_back(folder);
    const auto out = graph.edges.find(folder);
    if (out != graph.edges.end())
      for (const auto& next : out->second) {
        if (state[next] == 1) {
          auto from = std::find(path.begin(), path.end(), next);
          for (auto it = from; it != path.end(); ++it) {
            const std::string& to = std::next(it) == path.end() ? next : *std::next(it);
            cycle += *it + " -> " + to + "  (" + graph.example.at({*it, to}) + ")\n";
          }
          return true;
        }
        if (state[next] == 0 && visit(next)) return true;
      }
    path.pop_back();
    state[folder] = 2;
    return false;
  };
  for (const auto& [folder, targets] : graph.edges)
    if (state[folder] == 0 && visit(folder)) break;
  return cycle;
}

TEST(Layers, NoCoreFolderIncludesAFolderThatIncludesIt) {
  const IncludeGraph graph = read_include_graph();
  ASSERT_GT(graph.edges.size(), 10u) << "read too few folders under " << kSource;
  EXPECT_EQ(find_cycle(graph), "");
}

TEST(Layers, ACycleIsFoundAndNamed) {
  IncludeGraph graph;
  graph.edges = {{"tensor", {"gpu"}}, {"gpu", {"tensor"}}, {"ops", {"tensor"}}};
  graph.example = {{{"tensor", "gpu"}, "tensor.cpp includes gpu/gpu_backend.h"},
                   {{"gpu", "tensor"}, "dispatch.h includes fitbench/tensor.h"},
                   {{"ops", "tensor"}, "x"}};
  const std::string cycle = find_cycle(graph);
  EXPECT_NE(cycle.find("gpu -> tensor  (dispatch.h includes fitbench/tensor.h)"), std::string::npos) << cycle;
  EXPECT_NE(cycle.find("tensor -> gpu  (tensor.cpp includes gpu/gpu_backend.h)"), std::string::npos) << cycle;
}

}  // namespace
