// CloseGuard: closing the window (its close button, File > Quit) while a run
// goes on. It asks first (the window's askCloseDuringRun(): RunQuestions'
// message box). Keep training: the window stays. Quit without saving: the
// run is told to stop and the window closes. Stop and save a checkpoint (where
// the run can save): the run stops with the weights so far, and the window
// closes once that has ended without an error (runFinished()); meanwhile the
// event loop runs, so the window stays responsive, its cursor says it is
// busy, and another close goes through at once (the window's destructor
// waits for the run's thread, which finishes the save first). From the
// answer on, closingChanged() tells the queue that the window is going, so
// it leaves the run's entry to be resumed.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

#include "RunQuestions.h"
#include "fitbench/observer.h"

class QWidget;
class RunSource;

class CloseGuard : public QObject {
  Q_OBJECT

 public:
  // Asks what closing during the run does; Stop and save is offered when `canSave`.
  using Ask = std::function<RunQuestions::CloseChoice(bool canSave)>;
  CloseGuard(QWidget* window, Ask ask);

  // The window is asked to close while `run` goes on (null when none), which
  // can stop with a checkpoint when `canSave`. True when it may close now.
  bool mayClose(RunSource* run, bool canSave);
  // The run has ended: true when the window is to close now, its checkpoint saved.
  bool runFinished(const fitbench::FinishInfo& info);

 signals:
  // The window is going (true), or stays after all (false: the save failed).
  void closingChanged(bool closing);
  // The run was told to stop and save; `status` says what the window waits for.
  void stopping(const QString& status);

 private:
  QWidget* m_window;
  Ask m_ask;
  bool m_closeWhenStopped = false;
};
