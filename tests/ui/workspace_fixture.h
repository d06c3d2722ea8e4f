// Workspaces of real runs for the Runs view and queue tests: an lr x
// batch-size sweep of lenet run through the experiment queue on small idx
// data, a branch of one of its runs and a run that diverges.
#pragma once

#include <QString>

#include <filesystem>

#include "../core/fit_fixture.h"
#include "fitbench/fit.h"
#include "fitbench/run_queue.h"

namespace workspacetest {

// lenet on <root>/data (written here): 2 epochs, quiet.
inline fitbench::FitArgs lenetArgs(const std::filesystem::path& root) {
  fitbench::FitArgs args = fitbench::testing::idx_fit_args(root, "lenet");
  args.set("num-epochs", "2");
  args.set("disp-batches", "1000");
  return args;
}

inline void writeData(const std::filesystem::path& root) {
  fitbench::testing::write_idx_pair(root / "data", "train", 256, 1);
  fitbench::testing::write_idx_pair(root / "data", "t10k", 64, 2);
}

// <root>/ws: 12 sweep runs (lr 0.1, 0.05, 0.02, 0.01 x batch-size 16, 32, 64),
// "lenet-branch" (lr 0.01 from epoch 1 of lenet-lr0.05-batch-size32, to epoch
// 3) and "mlp-diverged" (lr 1e6), all through the queue. Returns the workspace.
inline QString makeWorkspace(const QString& rootText) {
  const std::filesystem::path root(rootText.toStdString());
  writeData(root);
  const std::string ws = (root / "ws").string();
  const std::string queue = fitbench::queue_path(ws);
  const fitbench::FitArgs base = lenetArgs(root);
  fitbench::edit_queue(queue, [&](fitbench::RunQueue& q) {
    for (const auto& [name, args] : fitbench::expand_sweep(
             "lenet", base,
             {fitbench::parse_sweep_axis("lr=0.1,0.05,0.02,0.01"), fitbench::parse_sweep_axis("batch-size=16,32,64")}))
      q.add(name, args, ws);
    fitbench::FitArgs branch = base;
    branch.set("lr", "0.01");
    branch.set("batch-size", "32");
    branch.set("num-epochs", "3");
    branch.set("load-prefix", ws + "/lenet-lr0.05-batch-size32/lenet");
    branch.set("load-epoch", "1");
    q.add("lenet-branch", branch, ws);
    fitbench::FitArgs diverged = fitbench::testing::idx_fit_args(root, "mlp");
    diverged.set("lr", "1e6");
    q.add("mlp-diverged", diverged, ws);
    return true;
  });
  fitbench::FitOptions quiet;
  quiet.log_to_stderr = false;
  fitbench::run_queue(queue, quiet);
  return QString::fromStdString(ws);
}

}  // namespace workspacetest
