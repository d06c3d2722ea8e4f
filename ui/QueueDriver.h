// QueueDriver: trains the Queue dock's entries through the window's own
// Start, one after another, while "Run queue" is on and the window is free.
// Each entry is claimed in the queue file before it starts and marked done,
// stopped or failed when it ends. When the window closes during a queued run
// the entry is left as it is: its process ends, so the next runner (this
// window reopened, or fitbench-cli --queue) finds it interrupted and resumes
// it from its last checkpoint.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

#include "fitbench/fit_args.h"
#include "fitbench/observer.h"

class QueuePanel;

class QueueDriver : public QObject {
  Q_OBJECT

 public:
  struct Window {
    std::function<bool()> busy;                        // a run goes on
    std::function<bool(const fitbench::FitArgs&)> start;  // starts a run of these arguments; whether it started
  };
  QueueDriver(QueuePanel* panel, Window window, QObject* parent = nullptr);

  // The id of the entry the window's run trains; "" for a run of the form.
  QString currentEntry() const { return m_entry; }
  // The window's run ended (onFinished); a queued run's entry is marked and the next one starts.
  void runFinished(const fitbench::FinishInfo& info);
  // The window is closing during the run: its entry stays to be resumed
  // (false again when the close did not happen).
  void setWindowClosing(bool closing) { m_closing = closing; }
  // Starts the next entry if the queue should run and the window is free.
  void startNext();

 private:
  QueuePanel* m_panel;
  Window m_window;
  QString m_entry;
  bool m_closing = false;
  bool m_editing = false;  // the queue file is being changed from here
};
