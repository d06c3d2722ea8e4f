#include "CloseGuard.h"

#include <QWidget>

#include "RunSource.h"

CloseGuard::CloseGuard(QWidget* window, Ask ask) : QObject(window), m_window(window), m_ask(std::move(ask)) {}

bool CloseGuard::mayClose(RunSource* run, bool canSave) {
  if (run == nullptr || m_closeWhenStopped) return true;
  const RunQuestions::CloseChoice choice = m_ask(canSave);
  if (choice == RunQuestions::CloseChoice::KeepTraining) return false;
  emit closingChanged(true);
  // The run may have ended while the question was open; then there is nothing to save.
  if (choice == RunQuestions::CloseChoice::StopAndSave && canSave && run->isRunning()) {
    m_closeWhenStopped = true;
    run->stopAndSave();
    emit stopping(tr("Saving a checkpoint of the weights so far; the window closes when it is written…"));
    m_window->setCursor(Qt::BusyCursor);
    return false;
  }
  // The window's destructor waits for the run; asked to end now, that is short.
  run->stop();
  return true;
}

bool CloseGuard::runFinished(const fitbench::FinishInfo& info) {
  if (!m_closeWhenStopped) return false;
  m_closeWhenStopped = false;
  m_window->unsetCursor();
  // A run that failed (its save, say) keeps the window open on its message.
  if (info.error.empty()) return true;
  emit closingChanged(false);
  return false;
}
