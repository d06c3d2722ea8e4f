// QueueRunnerProcess: the queue trained on several GPUs at once, outside the
// window: one `fitbench-cli --queue <workspace>/queue.json --queue-gpus 0,1`
// process, which starts a runner per GPU; each runner claims the queue's next
// entry under the file's lock and trains it on its GPU (fitbench/run_queue.h).
// The window stays free for the person's own runs, and the Queue dock follows
// the runs through the queue file. QueueDriver decides when to use it.
//
// stop() is SIGTERM, which fitbench-cli passes to each runner: a runner stops
// after its batch and saves the epoch so far, its entry ends Stopped, and
// Retry continues it from there. leave() is for closing the window: SIGHUP
// ends the runners at once and leaves their entries as a close leaves the
// window's own queued run, interrupted, so the next runner (the window opened
// again, or fitbench-cli --queue) resumes each from its last checkpoint.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

class QueueRunnerProcess : public QObject {
  Q_OBJECT

 public:
  explicit QueueRunnerProcess(QObject* parent = nullptr);
  // leave()s a process that still runs: no runner outlives the window.
  ~QueueRunnerProcess() override;

  QueueRunnerProcess(const QueueRunnerProcess&) = delete;
  QueueRunnerProcess& operator=(const QueueRunnerProcess&) = delete;

  // Whether the queue runs in a runner process for the Devices dock's --gpus
  // value `gpus` ("0,1"; "" is the CPU): with two GPUs or more.
  static bool runsOn(const QString& gpus);
  // The program's arguments: run `queueFile` with a runner on each of `gpus`.
  static QStringList arguments(const QString& queueFile, const QString& gpus);

  // The program started: fitbench-cli next to the application unless set (tests start a stand-in).
  void setProgram(const QString& path) { m_program = path; }

  // From start() until finished().
  bool isRunning() const { return m_running; }
  // The GPUs of the runners in progress, or of the last.
  QString gpus() const { return m_gpus; }

  // Starts the runners, unless they run already; how they end comes through finished().
  void start(const QString& queueFile, const QString& gpus);
  // The runners stop after their batch, each saving its epoch so far.
  void stop();
  // The runners end now, their entries left to be resumed; returns once the
  // process has ended, and reports nothing through finished().
  void leave();

 signals:
  // A runner began (or resumed) the queue entry `id` on GPU `gpu` ("1").
  void entryStarted(const QString& id, const QString& gpu);
  // The process ended, or could not start. `error` is "" when it ended as it
  // should (no entry was left to run, or it was told to stop); otherwise what
  // went wrong: the last line it wrote to stderr, which names the problem.
  void finished(const QString& error);

 private:
  void readErrors();
  void onFinished(int exitCode, QProcess::ExitStatus status);
  void onError(QProcess::ProcessError error);
  void end(const QString& error);

  QString m_program;
  QProcess* m_process;
  QString m_gpus;
  QByteArray m_partialLine;  // stderr after its last newline
  QString m_lastLine;        // stderr's last line that was not empty
  bool m_running = false;
  bool m_stopRequested = false;
};
