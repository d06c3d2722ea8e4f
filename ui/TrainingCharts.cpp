#include "TrainingCharts.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <optional>

#include "ElidedLabel.h"
#include "MetricChart.h"
#include "RunOverlay.h"
#include "SeriesStore.h"

namespace {

constexpr int kSmoothingSteps = 100;   // the slider's 0..99 is a weight of 0..0.99
constexpr int kDefaultSmoothing = 60;  // TensorBoard's default 0.6

const QString kSmoothingSetting = QStringLiteral("charts/smoothing");
const QString kXAxisSetting = QStringLiteral("charts/xAxis");  // "iterations" or "epochs"
const QString kEpochsValue = QStringLiteral("epochs");
const QString kIterationsValue = QStringLiteral("iterations");

// Each chart's own switch, by the chart's object name.
QString logScaleSetting(const MetricChart* chart) {
  return QStringLiteral("charts/logScale/") + chart->objectName();
}

QString overlayName(const QString& label, const QString& series) {
  return label + QStringLiteral(": ") + series;
}

MetricChart::Style styleOf(const QString& metric) {
  if (metric == RunMetrics::loss() || metric == RunMetrics::throughput() || RunMetrics::isPerBatch(metric))
    return MetricChart::Style::Batch;
  if (metric == RunMetrics::learningRate()) return MetricChart::Style::Plain;
  return MetricChart::Style::Epoch;
}

}  // namespace

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent), m_store(new SeriesStore(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  auto* bar = new QHBoxLayout;
  auto* smoothingLabel = new QLabel(tr("S&moothing:"), this);
  m_smoothing = new QSlider(Qt::Horizontal, this);
  m_smoothing->setObjectName(QStringLiteral("smoothingSlider"));
  m_smoothing->setRange(0, kSmoothingSteps - 1);
  m_smoothing->setValue(kDefaultSmoothing);
  m_smoothing->setMinimumWidth(60);
  m_smoothing->setMaximumWidth(160);
  m_smoothing->setToolTip(tr("Exponential moving average of the per-batch loss and throughput (0: raw)"));
  smoothingLabel->setBuddy(m_smoothing);
  m_smoothingValue = new QLabel(this);
  m_smoothingValue->setMinimumWidth(32);
  // Commands on every chart at once: actions() for a menu of the window, and
  // each chart's context menu, so they take no room above the charts.
  m_epochAxis = new QAction(tr("X axis in e&pochs"), this);
  m_epochAxis->setObjectName(QStringLiteral("epochAxisAction"));
  m_epochAxis->setCheckable(true);
  m_epochAxis->setToolTip(
      tr("Count the x axis of every chart in epochs (each run's own) instead of iterations"));
  auto* overlay = new QAction(tr("&Overlay run…"), this);
  overlay->setObjectName(QStringLiteral("overlayAction"));
  overlay->setToolTip(tr("Draw an earlier run (a directory with metrics.jsonl) under this one"));
  auto* clearOverlay = new QAction(tr("C&lear overlays"), this);
  clearOverlay->setObjectName(QStringLiteral("clearOverlaysAction"));
  auto* csv = new QAction(tr("&Export all series as CSV…"), this);
  csv->setObjectName(QStringLiteral("exportCsvAction"));
  csv->setToolTip(tr("Every point of every series, one row per point"));
  addActions({m_epochAxis, overlay, clearOverlay, csv});
  m_bestLabel = new ElidedLabel(this);
  m_bestLabel->setObjectName(QStringLiteral("bestEpochLabel"));
  bar->addWidget(smoothingLabel);
  bar->addWidget(m_smoothing);
  bar->addWidget(m_smoothingValue);
  bar->addSpacing(12);
  bar->addWidget(m_bestLabel, 1);
  layout->addLayout(bar);

  // Charts too short for their axis labels show nothing: a short window scrolls them instead.
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* gridWidget = new QWidget(scroll);
  auto* grid = new QGridLayout(gridWidget);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(2);
  const struct {
    const char* objectName;
    QString title;
    QString value;
    bool fractions;  // values in [0, 1]
  } charts[] = {
      {"lossChart", tr("Loss"), tr("loss"), false},
      {"accuracyChart", tr("Accuracy"), tr("accuracy"), true},
      {"learningRateChart", tr("Learning rate"), tr("learning rate"), false},
      {"throughputChart", tr("Throughput"), tr("samples/s"), false},
  };
  auto* separator = new QAction(this);
  separator->setSeparator(true);
  for (const auto& c : charts) {
    auto* chart = new MetricChart(m_store, c.title, c.value, gridWidget);
    chart->setObjectName(QString::fromLatin1(c.objectName));
    if (c.fractions) chart->setValueCeiling(1.0);
    chart->addAction(separator);
    chart->addActions(actions());
    grid->addWidget(chart, static_cast<int>(m_charts.size()) / 2, static_cast<int>(m_charts.size()) % 2);
    m_charts.append(chart);
    connect(chart, &MetricChart::seriesClicked, this, [this](const QString& name, const QPointF& point) {
      if (const auto picked = epochNear(name, point.x())) emit epochPicked(picked->runDir, picked->checkpoint);
    });
  }
  scroll->setWidget(gridWidget);
  layout->addWidget(scroll, 1);

  connect(m_smoothing, &QSlider::valueChanged, this, [this](int value) {
    m_smoothingValue->setText(QString::number(value / double(kSmoothingSteps), 'f', 2));
    for (MetricChart* chart : std::as_const(m_charts)) chart->setSmoothing(value / double(kSmoothingSteps));
  });
  m_smoothingValue->setText(QString::number(kDefaultSmoothing / double(kSmoothingSteps), 'f', 2));
  for (MetricChart* chart : std::as_const(m_charts)) chart->setSmoothing(smoothing());
  connect(m_epochAxis, &QAction::toggled, this, [this](bool epochs) {
    for (MetricChart* chart : std::as_const(m_charts))
      chart->setXUnit(epochs ? MetricChart::XUnit::Epochs : MetricChart::XUnit::Iterations);
    refreshCharts();
  });
  connect(overlay, &QAction::triggered, this, &TrainingCharts::chooseOverlay);
  connect(clearOverlay, &QAction::triggered, this, &TrainingCharts::clearOverlays);
  connect(csv, &QAction::triggered, this, &TrainingCharts::chooseCsvFile);
  restorePreferences();
}

// Restored first, then saved on every change, so a restore writes nothing back.
void TrainingCharts::restorePreferences() {
  const QSettings settings;
  setSmoothing(settings.value(kSmoothingSetting, kDefaultSmoothing / double(kSmoothingSteps)).toDouble());
  setXUnit(settings.value(kXAxisSetting).toString() == kEpochsValue ? MetricChart::XUnit::Epochs
                                                                    : MetricChart::XUnit::Iterations);
  for (MetricChart* chart : std::as_const(m_charts)) {
    chart->setLogScale(settings.value(logScaleSetting(chart), false).toBool());
    connect(chart, &MetricChart::logScaleChanged, this,
            [chart](bool on) { QSettings().setValue(logScaleSetting(chart), on); });
  }
  connect(m_smoothing, &QSlider::valueChanged, this,
          [this] { QSettings().setValue(kSmoothingSetting, smoothing()); });
  connect(m_epochAxis, &QAction::toggled, this,
          [](bool epochs) { QSettings().setValue(kXAxisSetting, epochs ? kEpochsValue : kIterationsValue); });
}

MetricChart* TrainingCharts::chart(RunMetrics::Chart which) const {
  return m_charts[static_cast<int>(which)];
}

void TrainingCharts::clearRun() {
  m_pending.clear();
  m_history.reset();
  m_pendingRanks.clear();
  m_epochs.clear();
  m_lastIteration = 0.0;
  m_liveUpdatesPerEpoch = 0.0;
  removeSeriesWhere([this](const QString& name) {
    return std::none_of(m_overlayLabels.begin(), m_overlayLabels.end(),
                        [&](const QString& label) { return name.startsWith(overlayName(label, {})); });
  });
  updateBestEpoch();
  refreshCharts();
}

void TrainingCharts::addBatch(const fitbench::BatchStats& stats) {
  // Held back until now: this batch's update says where the history ends.
  if (m_history) {
    m_pending = std::move(*m_history);
    m_history.reset();
  }
  m_lastIteration = static_cast<double>(stats.num_update);
  m_liveUpdatesPerEpoch = static_cast<double>(stats.batches_per_epoch);
  m_pending.addBatch(m_lastIteration, stats.loss, stats.learning_rate, stats.samples_per_sec, stats.metrics);
}

void TrainingCharts::addEpoch(const fitbench::EpochStats& stats) {
  // The epoch ended on the update of its last batch, which arrived before it.
  m_pending.addEpoch(stats.epoch, m_lastIteration, stats.train, stats.validation);
}

void TrainingCharts::addRankBatch(int rank, const fitbench::BatchStats& stats) {
  m_pendingRanks[rankThroughput(rank)].append(
      QPointF(static_cast<double>(stats.num_update), stats.samples_per_sec));
}

QString TrainingCharts::rankThroughput(int rank) {
  return QStringLiteral("rank %1 ").arg(rank) + RunMetrics::throughput();
}

void TrainingCharts::flush() {
  if (m_pending.isEmpty() && m_pendingRanks.isEmpty()) return;
  // Drawn like the throughput series, whatever their name says.
  for (auto it = m_pendingRanks.begin(); it != m_pendingRanks.end(); ++it)
    appendLive(it.key(), RunMetrics::throughput(), it.value());
  m_pendingRanks.clear();
  for (auto it = m_pending.series().begin(); it != m_pending.series().end(); ++it)
    appendLive(it.key(), it.key(), it.value());
  const bool newEpochs = !m_pending.epochs().isEmpty();
  m_epochs.append(m_pending.epochs());
  m_pending.clear();
  if (newEpochs) updateBestEpoch();  // refreshes the accuracy chart
  refreshCharts();
}

void TrainingCharts::appendLive(const QString& storeName, const QString& metricName,
                                const QList<QPointF>& points) {
  if (m_store->find(storeName) < 0) showNewSeries(storeName, metricName, {});
  const int id = m_store->series(storeName);
  m_store->setUpdatesPerEpoch(id, m_liveUpdatesPerEpoch);
  m_store->append(id, points);
}

// Every chart redrawn, then their x axes widened to a common range.
void TrainingCharts::refreshCharts() {
  std::optional<QPair<double, double>> all;
  for (MetricChart* chart : std::as_const(m_charts)) {
    chart->refresh();
    if (const auto extent = chart->extentX())
      all = all ? QPair<double, double>(std::min(all->first, extent->first),
                                        std::max(all->second, extent->second))
                : *extent;
  }
  for (MetricChart* chart : std::as_const(m_charts)) chart->setSharedXRange(all);
}

void TrainingCharts::removeSeriesWhere(const std::function<bool(const QString&)>& which) {
  for (int id = m_store->seriesCount() - 1; id >= 0; --id) {
    const QString name = m_store->name(id);
    if (!which(name)) continue;
    for (MetricChart* chart : std::as_const(m_charts)) chart->hideSeries(name);
    m_store->removeSeries(name);
  }
}

void TrainingCharts::showNewSeries(const QString& storeName, const QString& metricName,
                                   const QString& overlayRun) {
  chart(RunMetrics::chartOf(metricName))->showSeries(storeName, styleOf(metricName), overlayRun);
}

void TrainingCharts::setSmoothing(double weight) {
  m_smoothing->setValue(static_cast<int>(std::lround(std::clamp(weight, 0.0, 0.99) * kSmoothingSteps)));
}

double TrainingCharts::smoothing() const { return m_smoothing->value() / double(kSmoothingSteps); }

// The action holds the state: its toggled() switches the charts.
void TrainingCharts::setXUnit(MetricChart::XUnit unit) {
  m_epochAxis->setChecked(unit == MetricChart::XUnit::Epochs);
}

MetricChart::XUnit TrainingCharts::xUnit() const {
  return m_epochAxis->isChecked() ? MetricChart::XUnit::Epochs : MetricChart::XUnit::Iterations;
}

std::optional<TrainingCharts::PickedEpoch> TrainingCharts::epochNear(const QString& seriesName,
                                                                     double iteration) const {
  PickedEpoch picked;
  const QList<QPair<int, double>>* epochs = &m_epochs;  // the live run's, unless it is an overlay's series
  for (auto it = m_overlayRuns.begin(); it != m_overlayRuns.end(); ++it)
    if (seriesName.startsWith(overlayName(it.key(), {}))) {
      picked.runDir = it->directory();
      epochs = &it->metrics().epochs();
    }
  if (epochs->isEmpty()) return std::nullopt;
  const auto nearest = std::min_element(epochs->begin(), epochs->end(), [&](const auto& a, const auto& b) {
    return std::abs(a.second - iteration) < std::abs(b.second - iteration);
  });
  picked.checkpoint = nearest->first + 1;
  return picked;
}

QString TrainingCharts::addOverlay(const QString& runDir) {
  QString error;
  const std::optional<RunOverlay> run = RunOverlay::load(runDir, &error);
  if (!run) return error;
  const QString label = run->label();
  m_overlayRuns.insert(label, *run);
  if (m_overlayLabels.contains(label)) {
    removeSeriesWhere([&](const QString& name) { return name.startsWith(overlayName(label, {})); });
  } else {
    m_overlayLabels.append(label);
  }
  const QMap<QString, QList<QPointF>>& series = run->metrics().series();
  for (auto it = series.begin(); it != series.end(); ++it) {
    const QString name = overlayName(label, it.key());
    const int id = m_store->series(name);
    m_store->setUpdatesPerEpoch(id, run->metrics().updatesPerEpoch());
    m_store->append(id, it.value());
    showNewSeries(name, it.key(), label);
  }
  refreshCharts();
  return {};
}

QString TrainingCharts::showRun(const QString& runDir) {
  QString error;
  const std::optional<RunOverlay> run = RunOverlay::load(runDir, &error);
  if (!run) return error;
  clearRun();
  m_pending = run->metrics();
  m_liveUpdatesPerEpoch = run->metrics().updatesPerEpoch();
  flush();
  return {};
}

QString TrainingCharts::continueRun(const QString& runDir) {
  QString error;
  const std::optional<RunOverlay> run = RunOverlay::load(runDir, &error);
  if (!run) return error;
  m_history = run->metrics();
  return {};
}

void TrainingCharts::removeOverlay(const QString& runDir) {
  const QString dir = QDir::cleanPath(runDir);
  for (auto it = m_overlayRuns.begin(); it != m_overlayRuns.end(); ++it) {
    if (QDir::cleanPath(it.value().directory()) != dir) continue;
    const QString label = it.key();
    removeSeriesWhere([&](const QString& name) { return name.startsWith(overlayName(label, {})); });
    m_overlayLabels.removeAll(label);
    m_overlayRuns.erase(it);
    refreshCharts();
    return;
  }
}

void TrainingCharts::clearOverlays() {
  removeSeriesWhere([this](const QString& name) {
    return std::any_of(m_overlayLabels.begin(), m_overlayLabels.end(),
                       [&](const QString& label) { return name.startsWith(overlayName(label, {})); });
  });
  m_overlayLabels.clear();
  m_overlayRuns.clear();
  refreshCharts();
}

QString TrainingCharts::exportCsv(const QString& path) const {
  if (m_store->seriesCount() == 0) return tr("There are no series to export yet: start a run or overlay one");
  return m_store->writeCsv(path);
}

QString TrainingCharts::bestEpochText() const { return m_bestLabel->text(); }

// The best epoch is the one with the highest validation accuracy, or train
// accuracy when the run has no validation data.
void TrainingCharts::updateBestEpoch() {
  MetricChart* accuracy = chart(RunMetrics::Chart::Accuracy);
  for (const QString& series :
       {RunMetrics::validation(QStringLiteral("accuracy")), RunMetrics::train(QStringLiteral("accuracy"))}) {
    const int id = m_store->find(series);
    if (id < 0 || m_store->points(id).empty()) continue;
    const std::vector<QPointF>& points = m_store->points(id);
    const auto best = std::max_element(points.begin(), points.end(),
                                       [](const QPointF& a, const QPointF& b) { return a.y() < b.y(); });
    const auto index = static_cast<qsizetype>(best - points.begin());
    const int epoch = index < m_epochs.size() ? m_epochs[index].first : static_cast<int>(index);
    // The checkpoint table's number for it: the end of MXNet's Epoch[N] saves file N + 1.
    const QString text = tr("Best: epoch %1, %2 %3").arg(epoch + 1).arg(series).arg(best->y(), 0, 'f', 4);
    m_bestLabel->setText(text);
    accuracy->setMarker(*best, series, text);
    return;
  }
  m_bestLabel->clear();
  accuracy->setMarker(std::nullopt);
}

void TrainingCharts::chooseOverlay() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Overlay an earlier run"), m_lastDir);
  if (dir.isEmpty()) return;
  m_lastDir = dir;
  const QString error = addOverlay(dir);
  if (!error.isEmpty()) QMessageBox::warning(this, tr("Overlay run"), error);
}

void TrainingCharts::chooseCsvFile() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export every series"), m_lastDir,
                                                    tr("CSV (*.csv);;All files (*)"));
  if (path.isEmpty()) return;
  const QString error = exportCsv(path);
  if (!error.isEmpty()) QMessageBox::warning(this, tr("Export CSV"), error);
}
