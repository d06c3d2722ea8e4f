// A run directory as fitbench::fit writes it (config.json, metrics.jsonl with
// batch and epoch records), made up so the chart tests need no training.
#pragma once

#include <QDir>
#include <QFile>
#include <QString>

#include "fitbench/run_records.h"

// `epochs` epochs of `batches` batches: loss 2 / (update), lr 0.1, 1000
// samples/s; epoch e has train accuracy 0.5 + 0.1 e and validation accuracy
// 0.45 + 0.1 e, except that epoch 1 validates best when `bestIsOne`.
inline bool writeRunDir(const QString& dir, int epochs, int batches, bool bestIsOne = false) {
  if (!QDir().mkpath(dir)) return false;
  QFile config(QDir(dir).filePath(QStringLiteral("config.json")));
  if (!config.open(QIODevice::WriteOnly)) return false;
  config.write("{\n  \"network\": \"lenet\",\n  \"batch-size\": 64\n}\n");
  fitbench::RunRecordWriter records(fitbench::run_records_path(dir.toStdString()));
  int64_t update = 0;
  for (int e = 0; e < epochs; ++e) {
    for (int b = 0; b < batches; ++b) {
      ++update;
      records.write(fitbench::BatchRecord{e, b, update, 0.1, 2.0 / static_cast<double>(update), 1000.0, {}});
    }
    const double val = bestIsOne && e == 1 ? 0.99 : 0.45 + 0.1 * e;
    records.write(fitbench::EpochRecord{e, update, 1.5, 0.1, {{"accuracy", 0.5 + 0.1 * e}, {"top_k_accuracy_5", 0.9}},
                                        {{"accuracy", val}}});
  }
  return true;
}
