// RunOverlay: an earlier run read back from its run directory (config.json,
// metrics.jsonl as core/src/train/run_log.cpp writes them) so its curves can
// be drawn under the current run's.
#pragma once

#include <QString>

#include <optional>

#include "RunMetrics.h"

class RunOverlay {
 public:
  // Reads `runDir`/metrics.jsonl (every batch and epoch record) and the
  // network name from config.json. On failure returns nullopt and sets
  // `error` to a message naming the file and what is wrong with it.
  static std::optional<RunOverlay> load(const QString& runDir, QString* error);

  // "<directory name>" plus the network when config.json names one.
  QString label() const { return m_label; }
  QString directory() const { return m_directory; }
  const RunMetrics& metrics() const { return m_metrics; }

 private:
  QString m_label;
  QString m_directory;
  RunMetrics m_metrics;
};
