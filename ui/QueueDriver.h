// QueueDriver: runs the Queue dock's entries while "Run queue" is on. Where
// they train is chosen each time the queue starts (Run queue turned on, the
// window opened with it on, entries added while none ran) from the GPUs
// checked in the Devices dock:
//   - two or more: one runner process (QueueRunnerProcess) trains an entry on
//     each of those GPUs at once, outside the window, which stays free for
//     the person's own runs. Turning Run queue off stops it; a change of the
//     checks while it runs waits for the next start. When it fails, Run queue
//     turns off and the dock and the status bar show its message.
//   - one or none: the window's own Start trains them one after another,
//     while the window is free. Each entry is claimed in the queue file
//     before it starts and marked done, stopped or failed when it ends.
// When the window closes, the entries it or a runner process trains are left
// as they are: their processes end, so the next runner (this window
// reopened, or fitbench-cli --queue) finds them interrupted and resumes them
// from their last checkpoints.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

#include "fitbench/fit_args.h"
#include "fitbench/observer.h"

class QueuePanel;
class QueueRunnerProcess;

class QueueDriver : public QObject {
  Q_OBJECT

 public:
  struct Window {
    std::function<bool()> busy;                           // a run goes on
    std::function<bool(const fitbench::FitArgs&)> start;  // starts a run of these arguments; whether it started
    std::function<QString()> gpus;                        // checked in the Devices dock: "0,1", "" for the CPU
  };
  QueueDriver(QueuePanel* panel, Window window, QObject* parent = nullptr);

  QueueRunnerProcess* runner() const { return m_runner; }
  // The id of the entry the window's run trains; "" for a run of the form.
  QString currentEntry() const { return m_entry; }
  // The window's run ended (onFinished); a queued run's entry is marked and the next one starts.
  void runFinished(const fitbench::FinishInfo& info);
  // The window is closing during the run: its entry stays to be resumed
  // (false again when the close did not happen).
  void setWindowClosing(bool closing) { m_closing = closing; }
  // The window closes now: nothing more starts, and a runner process ends at
  // once, its entries left to be resumed.
  void windowClosed();
  // Starts the queue, if it should run and does not: in a runner process or through the window.
  void startQueue();

 signals:
  // For the status bar: the runner process failed.
  void message(const QString& text);

 private:
  // Starts the next entry through the window, if the queue should run there and the window is free.
  void startNext();
  void onRunRequested(bool run);
  void onRunnerFinished(const QString& error);

  QueuePanel* m_panel;
  Window m_window;
  QueueRunnerProcess* m_runner;
  QString m_entry;
  bool m_closing = false;
  bool m_runnerStopping = false;  // Run queue was turned off while the runner process ran
  bool m_editing = false;  // the queue file is being changed from here
};
