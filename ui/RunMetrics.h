// RunMetrics: a run's chart points by series name, built the same way from a
// live run's observer snapshots and from a run's records (metrics.jsonl), so
// the charts treat both alike. x is the optimizer update count (iterations);
// an epoch's values sit at the update count its epoch ended on.
#pragma once

#include <QList>
#include <QMap>
#include <QPointF>
#include <QString>

#include <limits>

#include "fitbench/metric.h"
#include "fitbench/run_records.h"

class RunMetrics {
 public:
  // Series names.
  static QString loss() { return QStringLiteral("loss"); }
  static QString learningRate() { return QStringLiteral("learning rate"); }
  static QString throughput() { return QStringLiteral("samples/s"); }
  static QString train(const QString& metric) { return QStringLiteral("train ") + metric; }
  static QString validation(const QString& metric) { return QStringLiteral("validation ") + metric; }
  // A training metric as the Speedometer prints it, at every batch.
  static QString trainBatches(const QString& metric) { return train(metric) + QStringLiteral(" per batch"); }
  static bool isPerBatch(const QString& series);

  // Which chart a series belongs on, from its metric name.
  enum class Chart { Loss, Accuracy, LearningRate, Throughput };
  static Chart chartOf(const QString& series);

  // A batch at an iteration not after the last batch's starts the records
  // again (a rerun in the same run directory): the points from there on are
  // dropped first.
  void addBatch(double iteration, double loss, double learningRate, double samplesPerSec,
                const fitbench::NameValues& metrics = {});
  void addEpoch(int epoch, double iteration, const fitbench::NameValues& train,
                const fitbench::NameValues& validation);

  // A batch or epoch record of metrics.jsonl, at its update count (other
  // records draw nothing).
  void add(const fitbench::RunRecord& record);

  const QMap<QString, QList<QPointF>>& series() const { return m_series; }
  // (epoch, iteration) of every epoch added, in order.
  const QList<QPair<int, double>>& epochs() const { return m_epochs; }
  // Updates per epoch, for an x axis in epochs: the most batches an epoch of
  // the records had (add()); 0 before the first batch record.
  double updatesPerEpoch() const { return m_updatesPerEpoch; }
  bool isEmpty() const { return m_series.isEmpty(); }
  void clear();

 private:
  void dropFrom(double iteration);

  QMap<QString, QList<QPointF>> m_series;
  QList<QPair<int, double>> m_epochs;
  double m_lastBatch = -std::numeric_limits<double>::infinity();
  double m_updatesPerEpoch = 0.0;
};
