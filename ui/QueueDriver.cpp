#include "QueueDriver.h"

#include <QScopedValueRollback>
#include <QTimer>

#include "QueuePanel.h"
#include "QueueRunnerProcess.h"
#include "ToolTip.h"

QueueDriver::QueueDriver(QueuePanel* panel, Window window, QObject* parent)
    : QObject(parent), m_panel(panel), m_window(std::move(window)), m_runner(new QueueRunnerProcess(this)) {
  m_runner->setObjectName(QStringLiteral("queueRunner"));
  connect(m_panel, &QueuePanel::runRequestedChanged, this, &QueueDriver::onRunRequested);
  // A new entry, or one retried, while the queue runs and nothing trains.
  connect(m_panel, &QueuePanel::queueChanged, this, &QueueDriver::startQueue);
  connect(m_runner, &QueueRunnerProcess::entryStarted, m_panel, &QueuePanel::setEntryGpu);
  connect(m_runner, &QueueRunnerProcess::finished, this, &QueueDriver::onRunnerFinished);
}

void QueueDriver::startQueue() {
  if (m_editing || m_closing || !m_panel->runRequested() || m_runner->isRunning()) return;
  const QString gpus = m_window.gpus();
  if (!QueueRunnerProcess::runsOn(gpus)) {
    m_panel->showRunnerStatus({});
    startNext();
    return;
  }
  if (!m_panel->hasEntryToRun()) return;
  m_panel->clearEntryGpus();
  m_runner->start(m_panel->queueFile(), gpus);
  m_panel->showRunnerStatus(
      tr("Training on GPUs %1 in a runner process, one run per GPU").arg(gpus),
      wrappedToolTip(
          tr("fitbench-cli --queue-gpus %1 trains the queue outside the window, which stays free for "
             "your own runs. Turning Run queue off stops the runs, each saving its epoch so far. The "
             "Devices dock's checks are read when the queue starts: a change applies the next time.")
              .arg(gpus)));
}

void QueueDriver::startNext() {
  // The queue file changes under the claim below, which calls here again.
  if (m_editing || m_closing || !m_panel->runRequested() || m_runner->isRunning() || !m_entry.isEmpty() ||
      m_window.busy())
    return;
  std::optional<fitbench::QueueEntry> entry;
  {
    const QScopedValueRollback editing(m_editing, true);
    entry = m_panel->claimNext();
  }
  if (!entry) return;
  m_entry = QString::fromStdString(entry->id);
  fitbench::FinishInfo notStarted;
  try {
    if (m_window.start(fitbench::queue_fit_args(*entry, m_panel->workspace().toStdString()))) return;
    notStarted.error = "the run did not start: its arguments are not valid here, or starting it was declined";
  } catch (const std::exception& e) {
    notStarted.error = e.what();
  }
  runFinished(notStarted);
}

void QueueDriver::runFinished(const fitbench::FinishInfo& info) {
  if (m_entry.isEmpty() || m_closing) return;
  const QString entry = std::exchange(m_entry, QString());
  {
    const QScopedValueRollback editing(m_editing, true);
    m_panel->finish(entry, info);
    // A stop asked for by the person ends the queue's turn too.
    if (info.stopped) m_panel->setRunRequested(false);
  }
  QTimer::singleShot(0, this, &QueueDriver::startNext);
}

void QueueDriver::onRunRequested(bool run) {
  if (run) {
    startQueue();
    return;
  }
  if (!m_runner->isRunning()) return;
  m_runnerStopping = true;
  m_runner->stop();
  m_panel->showRunnerStatus(
      tr("Stopping the runs on GPUs %1: each saves its epoch so far…").arg(m_runner->gpus()));
}

void QueueDriver::onRunnerFinished(const QString& error) {
  if (m_closing) return;
  const bool stopped = std::exchange(m_runnerStopping, false);
  const QString gpus = m_runner->gpus();
  // Rows it left running read as interrupted now, not as on a GPU.
  m_panel->clearEntryGpus();
  if (!error.isEmpty()) {
    const QString text = tr("The runner process on GPUs %1 failed: %2").arg(gpus, error);
    m_panel->showRunnerStatus(text);
    emit message(text);
    m_panel->setRunRequested(false);
    return;
  }
  m_panel->showRunnerStatus(stopped
                                ? tr("Stopped the runs on GPUs %1. Retry continues a stopped run from the "
                                     "epoch it saved.")
                                      .arg(gpus)
                                : tr("The runs on GPUs %1 are over: no entry was left to run.").arg(gpus));
  // Entries added as it ended, or Run queue turned on again while it stopped.
  QTimer::singleShot(0, this, &QueueDriver::startQueue);
}

void QueueDriver::windowClosed() {
  m_closing = true;
  m_runner->leave();
}
