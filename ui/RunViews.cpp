#include "RunViews.h"

#include <QMessageBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

#include "LrScheduleEditor.h"
#include "MonitorView.h"
#include "NonFiniteBanner.h"
#include "RunLogView.h"
#include "RunProgressView.h"
#include "RunSource.h"
#include "TrainerController.h"
#include "TrainingCharts.h"

namespace {

constexpr int kFlushIntervalMs = 40;

}  // namespace

RunViews::RunViews(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  m_progressView = new RunProgressView(this);
  layout->addWidget(m_progressView);
  m_nonFiniteBanner = new NonFiniteBanner(this);
  layout->addWidget(m_nonFiniteBanner);

  m_charts = new TrainingCharts;
  m_charts->setObjectName(QStringLiteral("trainingCharts"));
  m_lrEditor = new LrScheduleEditor;
  m_lrEditor->setObjectName(QStringLiteral("lrScheduleEditor"));
  m_monitorView = new MonitorView;
  m_monitorView->setObjectName(QStringLiteral("monitorView"));
  m_tabs = new QTabWidget(this);
  m_tabs->setObjectName(QStringLiteral("chartTabs"));
  m_tabs->addTab(m_charts, tr("Training"));
  m_tabs->addTab(m_lrEditor, tr("Learning rate"));
  m_tabs->addTab(m_monitorView, tr("Monitor"));

  m_log = new RunLogView;
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(m_tabs);
  splitter->addWidget(m_log);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({600, 200});  // else the log starts at its minimum
  layout->addWidget(splitter, 1);

  m_flushTimer = new QTimer(this);
  m_flushTimer->setInterval(kFlushIntervalMs);
  connect(m_flushTimer, &QTimer::timeout, this, &RunViews::flush);
}

void RunViews::showTab(QWidget* tab) { m_tabs->setCurrentWidget(tab); }

void RunViews::addTab(QWidget* view, const QString& title) { m_tabs->addTab(view, title); }

void RunViews::follow(RunSource* source) {
  connect(source, &RunSource::batchEnded, this, &RunViews::addBatch);
  connect(source, &RunSource::epochEnded, this, &RunViews::addEpoch);
  connect(source, &RunSource::logLine, m_log, &RunLogView::addLine);
}

void RunViews::followTrainer(TrainerController* trainer) {
  follow(trainer);
  connect(trainer, &TrainerController::pausedChanged, m_progressView, &RunProgressView::showPaused);
  connect(trainer, &TrainerController::monitorSampled, m_monitorView, &MonitorView::addSnapshot);
  connect(trainer, &TrainerController::nonFiniteFound, this, &RunViews::showNonFinite);
  connect(m_nonFiniteBanner, &NonFiniteBanner::resumeRequested, trainer, [this, trainer](double lr) {
    m_lr = lr;  // a further divergence proposes a tenth of this rate
    trainer->setLearningRate(lr);
    emit learningRateChosen(lr);
    trainer->resume();
  });
  connect(m_nonFiniteBanner, &NonFiniteBanner::stopRequested, trainer, &TrainerController::stop);
  // Resumed from the tool bar instead: the banner's question is answered.
  connect(trainer, &TrainerController::pausedChanged, m_nonFiniteBanner, [this](bool paused) {
    if (!paused) m_nonFiniteBanner->hide();
  });
}

void RunViews::prepareRun(const fitbench::FitConfig& config) {
  m_lr = config.lr;
  m_progressView->prepareRun(config);
  m_flushTimer->start();
}

void RunViews::startRun(const fitbench::RunInfo& info) {
  m_nonFiniteBanner->hide();
  m_charts->clearRun();
  m_pendingLr.clear();
  m_lrEditor->clearActualLearningRate();
  m_monitorView->clear();
  m_progressView->startRun(info);
}

void RunViews::addBatch(const fitbench::BatchStats& stats) {
  const double perEpoch = static_cast<double>(std::max<int64_t>(1, stats.batches_per_epoch));
  m_charts->addBatch(stats);
  // The rate this batch's update used; the editor's curve draws update u at
  // the start of its batch.
  m_pendingLr.append(QPointF(stats.epoch + static_cast<double>(stats.batch) / perEpoch, stats.learning_rate));
  m_progressView->addBatch(stats);
}

void RunViews::addEpoch(const fitbench::EpochStats& stats) {
  m_charts->addEpoch(stats);
  m_progressView->addEpoch(stats);
}

void RunViews::showNonFinite(const fitbench::NonFiniteEvent& event) {
  flush();
  m_nonFiniteBanner->showFor(event, m_lr);
  m_progressView->showDiverged(event);
  // The monitor received this batch's snapshot just before: show the layer at fault.
  m_tabs->setCurrentWidget(m_monitorView);
  if (!event.entry.empty()) m_monitorView->selectParameter(QString::fromStdString(event.entry));
}

void RunViews::finishRun(const fitbench::FinishInfo& info) {
  flush();
  m_flushTimer->stop();
  m_nonFiniteBanner->hide();
  m_log->addLine(m_progressView->finishRun(info));
  m_log->flush();
  if (info.error.empty()) return;
  // Not modal: a run that fails while nobody watches must not block the window.
  auto* box = new QMessageBox(QMessageBox::Warning, tr("Training failed"), QString::fromStdString(info.error),
                              QMessageBox::Ok, this);
  box->setObjectName(QStringLiteral("trainingErrorBox"));
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

void RunViews::flush() {
  m_charts->flush();
  if (!m_pendingLr.isEmpty()) {
    m_lrEditor->addActualLearningRates(m_pendingLr);
    emit learningRateShown(m_pendingLr.back().y());
    m_pendingLr.clear();
  }
  m_log->flush();
  m_progressView->flush();
}
