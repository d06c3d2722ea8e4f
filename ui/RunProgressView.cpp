#include "RunProgressView.h"

#include <QHBoxLayout>
#include <QProgressBar>
#include <QVBoxLayout>

#include <algorithm>

#include "Duration.h"
#include "ElidedLabel.h"

namespace {

// The value of `name` in a metric list, if present.
bool findMetric(const fitbench::NameValues& values, const std::string& name, double* out) {
  for (const auto& [key, value] : values) {
    if (key == name) {
      *out = value;
      return true;
    }
  }
  return false;
}

QProgressBar* progressBar(const char* name, QWidget* parent) {
  auto* bar = new QProgressBar(parent);
  bar->setObjectName(QString::fromLatin1(name));
  bar->setRange(0, 1);
  bar->setValue(0);
  return bar;
}

}  // namespace

RunProgressView::RunProgressView(QWidget* parent) : QWidget(parent) {
  m_batchProgress = progressBar("batchProgress", this);
  m_epochProgress = progressBar("epochProgress", this);
  // No counts before the first run: "epoch 0 / 1" would read as the form's experiment.
  m_batchProgress->setTextVisible(false);
  m_epochProgress->setTextVisible(false);
  showCounts();
  m_status = new ElidedLabel(tr("Ready"), this);
  m_status->setObjectName(QStringLiteral("statusLabel"));
  m_hosts = new ElidedLabel(this);
  m_hosts->setObjectName(QStringLiteral("hostsLabel"));
  m_hosts->hide();

  // No margins: the bars and the status line sit in RunViews' layout as they would without this widget.
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* bars = new QHBoxLayout;
  bars->addWidget(m_batchProgress, 3);
  bars->addWidget(m_epochProgress, 2);
  layout->addLayout(bars);
  // The hosts share the status line's row: the charts keep their height.
  auto* statusRow = new QHBoxLayout;
  statusRow->addWidget(m_status, 3);
  statusRow->addWidget(m_hosts, 2);
  layout->addLayout(statusRow);
}

// Between batches: what is done (the epoch bar counts complete epochs).
void RunProgressView::showCounts() {
  m_batchProgress->setFormat(tr("batch %v / %m"));
  m_epochProgress->setFormat(tr("%v / %m epochs done"));
}

void RunProgressView::prepareRun(const fitbench::FitConfig& config) {
  m_haveBatch = false;
  m_stopRequested = false;
  m_paused = false;
  m_epochInProgress = config.begin_epoch();
  m_numEpochs = config.num_epochs;
  m_status->setText(tr("Starting…"));
  showHosts({});
}

void RunProgressView::startRun(const fitbench::RunInfo& info) {
  m_numEpochs = info.num_epochs;
  m_batchSize = info.batch_size;
  m_epochInProgress = info.begin_epoch;
  m_batchProgress->setRange(0, static_cast<int>(std::max<int64_t>(1, info.batches_per_epoch)));
  m_batchProgress->setValue(0);
  m_epochProgress->setRange(0, std::max(1, info.num_epochs));
  m_epochProgress->setValue(info.begin_epoch);
  m_batchProgress->setTextVisible(true);
  m_epochProgress->setTextVisible(true);
  showCounts();
  m_status->setText(tr("Training %1 in %2")
                        .arg(QString::fromStdString(info.network), QString::fromStdString(info.run_dir)));
}

void RunProgressView::addBatch(const fitbench::BatchStats& stats) {
  m_lastBatch = stats;
  m_epochInProgress = stats.epoch;
  m_haveBatch = true;
}

void RunProgressView::addEpoch(const fitbench::EpochStats& stats) {
  m_epochProgress->setValue(std::min(stats.epoch + 1, m_epochProgress->maximum()));
  m_epochInProgress = stats.epoch + 1;  // the next one starts at once
}

void RunProgressView::flush() {
  if (!m_haveBatch) return;
  m_haveBatch = false;
  const fitbench::BatchStats& s = m_lastBatch;
  m_batchProgress->setRange(0, static_cast<int>(std::max<int64_t>(1, s.batches_per_epoch)));
  m_batchProgress->setValue(static_cast<int>(s.batch + 1));
  // The time left at the recent rate (training batches only; validation adds to it).
  const double secondsPerBatch = s.samples_per_sec > 0.0 ? m_batchSize / s.samples_per_sec : -1.0;
  const auto leftInEpoch = static_cast<double>(s.batches_per_epoch - (s.batch + 1));
  const double leftInRun = leftInEpoch + static_cast<double>(std::max(0, m_numEpochs - s.epoch - 1)) *
                                             static_cast<double>(s.batches_per_epoch);
  const auto eta = [secondsPerBatch](double batches) {
    return formatDuration(secondsPerBatch < 0.0 ? -1.0 : batches * secondsPerBatch);
  };
  // Short enough for a narrow bar; samples/s is in the status line.
  m_batchProgress->setFormat(tr("batch %v / %m · ETA %1").arg(eta(leftInEpoch)));
  m_epochProgress->setFormat(tr("epoch %1 / %m · run ETA %2").arg(s.epoch + 1).arg(eta(leftInRun)));
  if (m_paused && !m_stopRequested) return showPausedAt();
  // A stop's own message stays until the run ends.
  if (!m_stopRequested)
    m_status->setText(tr("Epoch %1/%2 · %3 samples/s · lr %4")
                          .arg(s.epoch + 1)
                          .arg(m_numEpochs)
                          .arg(s.samples_per_sec, 0, 'f', 0)
                          .arg(s.learning_rate, 0, 'g', 4));
}

void RunProgressView::showStopping(const QString& status) {
  m_stopRequested = true;
  m_status->setText(status);
}

void RunProgressView::showPaused(bool paused) {
  m_paused = paused;
  if (paused) {
    showPausedAt();
  } else if (!m_stopRequested) {
    showCounts();
    m_status->setText(tr("Resuming…"));
  }
}

// The batch a pause was taken at is the last one drawn: one may still end after pause() was asked.
void RunProgressView::showPausedAt() {
  m_batchProgress->setFormat(tr("paused · batch %v / %m"));
  m_status->setText(tr("Paused in epoch %1 after batch %2: Resume continues from here")
                        .arg(m_epochInProgress + 1)
                        .arg(m_batchProgress->value()));
}

void RunProgressView::showDiverged(const fitbench::NonFiniteEvent& event) {
  // Counted from 1, as the other status lines count (the log's Epoch[0] Batch [2] is epoch 1, batch 3).
  m_status->setText(
      tr("Paused in epoch %1 at batch %2: the run diverged").arg(event.epoch + 1).arg(event.batch + 1));
}

void RunProgressView::showHosts(const QString& hosts) {
  m_hosts->setText(hosts);
  m_hosts->setVisible(!hosts.isEmpty());
}

QString RunProgressView::finishRun(const fitbench::FinishInfo& info) {
  QString summary;
  if (!info.error.empty())
    summary = tr("Failed: %1").arg(QString::fromStdString(info.error));
  else if (info.diverged)
    summary = tr("Stopped: %1").arg(QString::fromStdString(info.diverged->message));
  else if (info.stopped)
    summary = tr("Stopped in epoch %1 of %2").arg(epochInProgress() + 1).arg(m_numEpochs);
  else
    summary = tr("Finished %n epoch(s)", nullptr, info.epochs_done);
  double accuracy = 0.0;
  if (info.error.empty() && findMetric(info.last_validation, "accuracy", &accuracy))
    summary += tr(" · validation accuracy %1").arg(accuracy, 0, 'f', 4);
  m_status->setText(summary);
  showCounts();
  return summary;
}
