// MemoryEstimateLabel: next to Start, the memory the form's run would take
// against what is free now: fit()'s own pre-flight check (check_fit_memory),
// worked out on a pool thread a moment after the form stops changing. A run
// that would not fit shows red, with fit()'s refusal (and the largest batch
// size that fits) in the tooltip. The text stays short: main memory, and the
// fullest GPU's share; the tooltip has every part.
#pragma once

#include <QLabel>
#include <QTimer>

#include <optional>

#include "fitbench/fit.h"

class MemoryEstimateLabel : public QLabel {
  Q_OBJECT

 public:
  explicit MemoryEstimateLabel(QWidget* parent = nullptr);

  // The run to estimate; `processes` worker processes share this machine.
  void setConfig(const fitbench::FitConfig& config, int processes = 1);
  // True while a check is waiting or running.
  bool isChecking() const { return m_timer.isActive() || m_running; }
  // Whether the last check found that the run does not fit.
  bool doesNotFit() const { return m_doesNotFit; }

  // The text and tooltip for a finished check, or for `error` (one that failed).
  struct Outcome {
    QString text;
    QString toolTip;
    bool doesNotFit = false;
  };
  static Outcome describe(const fitbench::MemoryCheck& check, int processes);

 signals:
  void checked();

 private:
  void start();

  QTimer m_timer;  // waits for the form to settle
  std::optional<fitbench::FitConfig> m_config;
  int m_processes = 1;
  quint64 m_generation = 0;  // a result for an older config is dropped
  bool m_running = false;
  bool m_doesNotFit = false;
};
