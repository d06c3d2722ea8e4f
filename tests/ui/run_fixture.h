// A run directory as fitbench::fit writes it (config.json, metrics.jsonl with
// batch and epoch records; see core/src/train/run_log.cpp), written by hand so
// the chart tests need no training.
#pragma once

#include <QDir>
#include <QFile>
#include <QString>

// `epochs` epochs of `batches` batches: loss 2 / (update), lr 0.1, 1000
// samples/s; epoch e has train accuracy 0.5 + 0.1 e and validation accuracy
// 0.45 + 0.1 e, except that epoch 1 validates best when `bestIsOne`.
inline bool writeRunDir(const QString& dir, int epochs, int batches, bool bestIsOne = false) {
  if (!QDir().mkpath(dir)) return false;
  QFile config(QDir(dir).filePath(QStringLiteral("config.json")));
  if (!config.open(QIODevice::WriteOnly)) return false;
  config.write("{\n  \"network\": \"lenet\",\n  \"batch-size\": 64\n}\n");
  QFile metrics(QDir(dir).filePath(QStringLiteral("metrics.jsonl")));
  if (!metrics.open(QIODevice::WriteOnly)) return false;
  int update = 0;
  for (int e = 0; e < epochs; ++e) {
    for (int b = 0; b < batches; ++b) {
      ++update;
      metrics.write(QStringLiteral("{\"batch\":%1,\"epoch\":%2,\"loss\":%3,\"lr\":0.1,\"num_update\":%4,"
                                   "\"samples_per_sec\":1000.0,\"type\":\"batch\"}\n")
                        .arg(b)
                        .arg(e)
                        .arg(2.0 / update, 0, 'g', 17)
                        .arg(update)
                        .toUtf8());
    }
    const double val = bestIsOne && e == 1 ? 0.99 : 0.45 + 0.1 * e;
    metrics.write(QStringLiteral("{\"epoch\":%1,\"lr\":0.1,\"num_update\":%2,\"time_cost\":1.5,"
                                 "\"train\":{\"accuracy\":%3,\"top_k_accuracy_5\":0.9},"
                                 "\"type\":\"epoch\",\"validation\":{\"accuracy\":%4}}\n")
                      .arg(e)
                      .arg(update)
                      .arg(0.5 + 0.1 * e)
                      .arg(val)
                      .toUtf8());
  }
  return true;
}
