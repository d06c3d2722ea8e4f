// Real run directories for the checkpoint tests: fit() trains mlp for two
// epochs on small idx data and saves <root>/m/lenet-0001/0002.params/.states,
// lenet-symbol.json, config.json, log.txt and metrics.jsonl; or for one epoch
// on a Fashion-MNIST subset.
#pragma once

#include <QDir>
#include <QFile>
#include <QString>

#include <filesystem>

#include "../core/fit_fixture.h"
#include "fitbench/data_iter.h"
#include "fitbench/fit.h"
#include "fitbench/fit_args.h"

namespace checkpointtest {

// Trains and returns <root>/m, the run (model-prefix) directory.
inline QString makeRun(const QString& root) {
  const std::filesystem::path base(root.toStdString());
  fitbench::testing::write_idx_pair(base / "data", "train", 200, 1);
  fitbench::testing::write_idx_pair(base / "data", "t10k", 64, 2);
  fitbench::FitArgs args = fitbench::train_mnist_defaults();
  args.set("network", "mlp");
  args.set("data-train", (base / "data").string());
  args.set("data-val", (base / "data").string());
  args.unset("num-examples");
  args.set("batch-size", "32");
  args.set("disp-batches", "4");
  args.set("num-epochs", "2");
  args.set("model-prefix", (base / "m" / "lenet").string());
  fitbench::FitOptions quiet;
  quiet.log_to_stderr = false;
  fitbench::fit(args, quiet);
  return root + QStringLiteral("/m");
}

// Trains mlp for one epoch on the first 2,000 images of Debian's
// Fashion-MNIST (validating on its 10,000 test images) into <root>/fm/mlp;
// returns <root>/fm, or "" when the data set is not installed. One epoch on
// real data leaves enough confusions to look at.
inline QString makeFashionRun(const QString& root) {
  if (!std::filesystem::is_directory(fitbench::default_fashion_mnist_dir())) return {};
  fitbench::FitArgs args = fitbench::train_mnist_defaults();
  args.set("network", "mlp");
  args.set("num-examples", "2000");
  args.set("batch-size", "100");
  args.set("num-epochs", "1");
  args.set("model-prefix", (std::filesystem::path(root.toStdString()) / "fm" / "mlp").string());
  fitbench::FitOptions quiet;
  quiet.log_to_stderr = false;
  fitbench::fit(args, quiet);
  return root + QStringLiteral("/fm");
}

// Copies the files (not subdirectories) of `from` into a new directory `to`.
inline bool copyRun(const QString& from, const QString& to) {
  if (!QDir().mkpath(to)) return false;
  const QDir source(from);
  for (const QString& name : source.entryList(QDir::Files))
    if (!QFile::copy(source.filePath(name), QDir(to).filePath(name))) return false;
  return true;
}

}  // namespace checkpointtest
