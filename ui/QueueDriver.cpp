#include "QueueDriver.h"

#include <QScopedValueRollback>
#include <QTimer>

#include "QueuePanel.h"

QueueDriver::QueueDriver(QueuePanel* panel, Window window, QObject* parent)
    : QObject(parent), m_panel(panel), m_window(std::move(window)) {
  connect(m_panel, &QueuePanel::runRequestedChanged, this, &QueueDriver::startNext);
  // A new entry, or one retried, while the queue runs and nothing trains.
  connect(m_panel, &QueuePanel::queueChanged, this, &QueueDriver::startNext);
}

void QueueDriver::startNext() {
  // The queue file changes under the claim below, which calls here again.
  if (m_editing || m_closing || !m_panel->runRequested() || !m_entry.isEmpty() || m_window.busy()) return;
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
