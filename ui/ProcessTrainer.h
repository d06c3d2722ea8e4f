// ProcessTrainer: a run of several worker processes with a dist_* kvstore:
// `mpirun -np N fitbench-cli <the form's arguments> --run-dir D` through
// QProcess (no shell), on this machine, or with an OpenMPI hostfile on the
// machines it lists (`mpirun --hostfile FILE`; each needs fitbench-cli, the
// data and the run directory at the same paths, README: Several machines).
// It follows the run from outside and reports it
// with TrainerController's signals and snapshot types, so the main window's
// charts, progress, log and checkpoint browser treat both kinds of run alike:
//   - batch and epoch records from rank 0's D/metrics.jsonl, tailed on a timer
//     (only the bytes added since the last read are parsed);
//   - every rank's batch records (rank r > 0 writes D/node<r>/) for its
//     samples/s, as rankBatchEnded();
//   - log lines (and checkpoints, from rank 0's "Saved checkpoint" line) from
//     mpirun's merged output, where each rank also names its host at start
//     (hostsChanged()).
// mpirun gets the run directory explicitly (--run-dir), chosen as fit() does.
// Stop sends SIGINT to mpirun, which passes the stop on to the workers (they
// agree on the batch to stop at), and kills it when it has not ended after
// a grace period. Pause, save-now and a new learning rate need the in-process
// TrainingControl, so a process run has none of them. A failure (mpirun
// missing, a worker dying, a non-zero exit) ends in finished() with the error.
#pragma once

#include <QByteArray>
#include <QMap>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <vector>

// The snapshot types' Qt meta-type declarations.
#include "TrainerController.h"
#include "fitbench/fit_args.h"
#include "fitbench/fit_config.h"
#include "fitbench/observer.h"
#include "fitbench/run_records.h"

class QTimer;

class ProcessTrainer : public RunSource {
  Q_OBJECT

 public:
  explicit ProcessTrainer(QObject* parent = nullptr);
  // Stops a run in progress and waits for mpirun to end.
  ~ProcessTrainer() override;

  ProcessTrainer(const ProcessTrainer&) = delete;
  ProcessTrainer& operator=(const ProcessTrainer&) = delete;

  // "" when this build has the dist kvstores (MPI) and mpirun is on PATH;
  // otherwise why process runs are not offered, as a sentence.
  static QString unavailableReason();
  // "" when `hostfile` is "" (this machine) or a file that can be read;
  // otherwise why it cannot be used, naming it.
  static QString hostfileProblem(const QString& hostfile);
  // Where the ranks run, "Ranks 0-1 on node1, rank 2 on node2", from their hosts by rank.
  static QString describeHosts(const QMap<int, QString>& hosts);

  // mpirun to start: mpirun on PATH unless set.
  void setMpirunPath(const QString& path) { m_mpirun = path; }
  QString mpirunPath() const { return m_mpirun; }
  // The worker program: fitbench-cli next to the application unless set.
  void setCliPath(const QString& path) { m_cli = path; }
  QString cliPath() const { return m_cli; }
  // Where rank 0 writes config.json, log.txt and metrics.jsonl. Empty (the
  // default): where fit() would write them (FitConfig::claim_run_directory()).
  // Records a directory held before this run are skipped.
  void setRunDir(const QString& dir) { m_runDirSetting = dir; }
  // The directory of the current or last run.
  QString runDir() const { return m_runDir; }
  // How long Stop waits for mpirun before killing it.
  void setStopGracePeriod(int ms) { m_stopGraceMs = ms; }

  // mpirun's arguments for `processes` workers training `args` into `runDir`,
  // on the machines of `hostfile` ("": on this machine).
  QStringList mpirunArguments(const fitbench::FitArgs& args, int processes, const QString& hostfile,
                              const QString& runDir) const;

  bool isRunning() const override { return m_running; }
  bool canPause() const override { return false; }
  bool canSave() const override { return false; }
  bool canSetLr() const override { return false; }

 public slots:
  // Starts mpirun with `processes` workers of `args`, on the machines of
  // `hostfile` ("": on this machine). Returns false (and does nothing) while a
  // run is in progress; a run that cannot start (a hostfile that cannot be
  // read, say) reports it through finished().
  bool start(const fitbench::FitArgs& args, int processes, const QString& hostfile = {});
  // SIGINT to mpirun: the workers stop after the current batch.
  void stop() override;

 signals:
  // Besides RunSource's: a batch of worker `rank` (0 included), for its
  // samples/s against its update count.
  void rankBatchEnded(int rank, const fitbench::BatchStats& stats);
  // A rank named its host: where the ranks heard from so far run (describeHosts()).
  void hostsChanged(const QString& hosts);

 private:
  QString runDirFor(const fitbench::FitConfig& config) const;
  void poll();
  void readTail(int rank);
  void onRecord(int rank, const fitbench::RunRecord& record);
  void readOutput();
  void onOutputLine(const QString& line);
  void onProcessFinished(int exitCode, QProcess::ExitStatus status);
  void onProcessError(QProcess::ProcessError error);
  // Ends a run that could not start with `error`, once start() has returned.
  void refuse(const QString& error);
  void finish(fitbench::FinishInfo info);

  QString m_mpirun;
  QString m_cli;
  QString m_runDirSetting;
  QString m_runDir;
  int m_stopGraceMs = 15000;

  QProcess* m_process = nullptr;
  QTimer* m_pollTimer = nullptr;
  QTimer* m_killTimer = nullptr;
  std::vector<fitbench::RunRecordReader> m_tails;  // each rank's metrics.jsonl, by rank
  QByteArray m_outputPartial;
  QStringList m_lastOutput;  // the last lines, for an error without a message of its own
  QString m_error;           // the first error a worker reported
  fitbench::RunInfo m_info;
  fitbench::NameValues m_lastValidation;
  QMap<int, QString> m_hosts;  // by rank, as each named it
  int m_epochsDone = 0;
  bool m_started = false;  // runStarted() emitted
  bool m_running = false;
  bool m_stopRequested = false;
  bool m_killed = false;
};
