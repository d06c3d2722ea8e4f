#include "RunMetrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

bool RunMetrics::isPerBatch(const QString& series) { return series.endsWith(QStringLiteral(" per batch")); }

RunMetrics::Chart RunMetrics::chartOf(const QString& series) {
  if (series == learningRate()) return Chart::LearningRate;
  if (series == throughput()) return Chart::Throughput;
  // accuracy and top_k_accuracy_<k>; everything else (cross-entropy, nll-loss) is a loss.
  const QString metric = isPerBatch(series) ? series.chopped(QStringLiteral(" per batch").size()) : series;
  if (metric.endsWith(QStringLiteral("accuracy")) || metric.contains(QStringLiteral("accuracy_")))
    return Chart::Accuracy;
  return Chart::Loss;
}

void RunMetrics::add(const fitbench::RunRecord& record) {
  if (const auto* batch = std::get_if<fitbench::BatchRecord>(&record)) {
    addBatch(static_cast<double>(batch->num_update), batch->loss, batch->learning_rate, batch->samples_per_sec,
             batch->metrics);
    m_updatesPerEpoch = std::max(m_updatesPerEpoch, static_cast<double>(batch->batch + 1));
  } else if (const auto* epoch = std::get_if<fitbench::EpochRecord>(&record))
    addEpoch(epoch->epoch, static_cast<double>(epoch->num_update), epoch->train, epoch->validation);
}

void RunMetrics::addBatch(double iteration, double loss, double learningRate, double samplesPerSec,
                          const fitbench::NameValues& metrics) {
  // The same directory trained again, from scratch or resumed from an earlier
  // epoch: fit() appends to metrics.jsonl, and the new records replace what
  // the earlier run drew from this iteration on.
  if (iteration <= m_lastBatch) dropFrom(iteration);
  m_lastBatch = iteration;
  // A diverged batch has no finite loss; a chart axis cannot hold it.
  if (std::isfinite(loss)) m_series[RunMetrics::loss()].append(QPointF(iteration, loss));
  m_series[RunMetrics::learningRate()].append(QPointF(iteration, learningRate));
  if (samplesPerSec > 0.0) m_series[throughput()].append(QPointF(iteration, samplesPerSec));
  for (const auto& [name, value] : metrics)
    if (std::isfinite(value)) m_series[trainBatches(QString::fromStdString(name))].append(QPointF(iteration, value));
}

void RunMetrics::addEpoch(int epoch, double iteration, const fitbench::NameValues& train,
                          const fitbench::NameValues& validation) {
  for (const auto& [name, value] : train)
    if (std::isfinite(value))
      m_series[RunMetrics::train(QString::fromStdString(name))].append(QPointF(iteration, value));
  for (const auto& [name, value] : validation)
    if (std::isfinite(value))
      m_series[RunMetrics::validation(QString::fromStdString(name))].append(QPointF(iteration, value));
  m_epochs.append({epoch, iteration});
}

void RunMetrics::dropFrom(double iteration) {
  for (QList<QPointF>& points : m_series)
    points.erase(std::find_if(points.begin(), points.end(), [&](const QPointF& p) { return p.x() >= iteration; }),
                 points.end());
  m_epochs.erase(std::find_if(m_epochs.begin(), m_epochs.end(),
                              [&](const QPair<int, double>& e) { return e.second >= iteration; }),
                 m_epochs.end());
}

void RunMetrics::clear() {
  m_series.clear();
  m_epochs.clear();
  m_lastBatch = -std::numeric_limits<double>::infinity();
  m_updatesPerEpoch = 0.0;
}
