#include "ProcessTrainer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>

#include <unistd.h>
#include <csignal>

#include <algorithm>
#include <string>

#include "CliProgram.h"
#include "ExperimentIo.h"
#include "RunMetrics.h"
#include "fitbench/checkpoint.h"
#include "fitbench/kvstore.h"

namespace {

// The files are polled this often; a batch record is small, so each read is short.
constexpr int kPollIntervalMs = 200;
// Output lines kept for an error message when no worker named the error.
constexpr int kLastOutputLines = 6;

// "0–2,5": ranks in order, each run of consecutive ones as a range.
QString rankRanges(const QList<int>& ranks) {
  QStringList parts;
  for (qsizetype first = 0; first < ranks.size();) {
    qsizetype last = first;
    while (last + 1 < ranks.size() && ranks[last + 1] == ranks[last] + 1) ++last;
    parts << (last == first ? QString::number(ranks[first])
                            : QStringLiteral("%1–%2").arg(ranks[first]).arg(ranks[last]));
    first = last + 1;
  }
  return parts.join(QLatin1Char(','));
}

}  // namespace

ProcessTrainer::ProcessTrainer(QObject* parent)
    : RunSource(parent),
      m_mpirun(QStandardPaths::findExecutable(QStringLiteral("mpirun"))),
      m_cli(CliProgram::besideApplication()),
      m_pollTimer(new QTimer(this)),
      m_killTimer(new QTimer(this)) {
  TrainerController::registerMetaTypes();
  m_pollTimer->setInterval(kPollIntervalMs);
  connect(m_pollTimer, &QTimer::timeout, this, &ProcessTrainer::poll);
  m_killTimer->setSingleShot(true);
  connect(m_killTimer, &QTimer::timeout, this, [this] {
    if (m_process == nullptr || m_process->state() == QProcess::NotRunning) return;
    m_killed = true;
    m_process->kill();
  });
}

ProcessTrainer::~ProcessTrainer() {
  if (m_process == nullptr) return;
  // Nothing is reported from here on: the receivers may be half destroyed.
  m_process->disconnect(this);
  if (m_process->state() == QProcess::NotRunning) return;
  stop();
  if (!m_process->waitForFinished(m_stopGraceMs)) {
    m_process->kill();
    m_process->waitForFinished(-1);
  }
}

QString ProcessTrainer::unavailableReason() {
  if (!fitbench::build_has_mpi())
    return tr(
        "This build of fitbench has no MPI, so it has no dist_* kvstores: install libopenmpi-dev and "
        "rebuild to train with several processes.");
  if (QStandardPaths::findExecutable(QStringLiteral("mpirun")).isEmpty())
    return tr(
        "mpirun is not on PATH: install OpenMPI's mpirun (Debian: openmpi-bin) to train with several "
        "processes.");
  return {};
}

QString ProcessTrainer::hostfileProblem(const QString& hostfile) {
  if (hostfile.isEmpty()) return {};
  const QString shown = QDir::toNativeSeparators(hostfile);
  const QFileInfo info(hostfile);
  if (!info.exists())
    return tr("The hostfile %1 does not exist: choose another, or clear the hostfile to run on this machine")
        .arg(shown);
  if (info.isDir())
    return tr("The hostfile %1 is a folder: choose the file that lists the machines").arg(shown);
  QFile file(hostfile);
  if (!file.open(QIODevice::ReadOnly))
    return tr("The hostfile %1 cannot be read: %2").arg(shown, file.errorString());
  return {};
}

QString ProcessTrainer::describeHosts(const QMap<int, QString>& hosts) {
  // Each host with its ranks, in the order of their first rank.
  QStringList order;
  QMap<QString, QList<int>> ranks;
  for (auto it = hosts.cbegin(); it != hosts.cend(); ++it) {
    if (!ranks.contains(it.value())) order << it.value();
    ranks[it.value()] << it.key();
  }
  QStringList parts;
  for (const QString& host : order)
    parts << (ranks[host].size() == 1 ? tr("rank %1 on %2") : tr("ranks %1 on %2"))
                 .arg(rankRanges(ranks[host]), host);
  QString text = parts.join(QStringLiteral(", "));
  if (!text.isEmpty()) text[0] = text[0].toUpper();
  return text;
}

QStringList ProcessTrainer::mpirunArguments(const fitbench::FitArgs& args, int processes,
                                            const QString& hostfile, const QString& runDir) const {
  QStringList out{QStringLiteral("-np"), QString::number(processes)};
  if (hostfile.isEmpty()) {
    // A slot per logical CPU, as idealThreadCount() counts them; mpirun refuses
    // more workers than slots unless told otherwise.
    out << QStringLiteral("--use-hwthread-cpus");
    if (processes > QThread::idealThreadCount()) out << QStringLiteral("--oversubscribe");
  } else {
    // The machines' slots are the hostfile's to say: this machine's CPUs tell nothing of theirs.
    out << QStringLiteral("--hostfile") << QFileInfo(hostfile).absoluteFilePath();
  }
  // Unbound, each worker's OpenMP threads may use any core; bound (mpirun's
  // default for two workers) they would share one. The shared-memory
  // transport copies through its own buffer: some containers forbid the
  // cross-process attach it would otherwise use for large messages.
  out << QStringLiteral("--bind-to") << QStringLiteral("none") << QStringLiteral("--mca")
      << QStringLiteral("btl_vader_single_copy_mechanism") << QStringLiteral("none");
  out << m_cli;
  // The form's command line, as File > Copy command line gives it, with this run's directory.
  fitbench::FitArgs workerArgs = args;
  workerArgs.unset("run-dir");
  const std::vector<std::string> words =
      fitbench::split_command_line(ExperimentIo::commandLine(workerArgs).toStdString());
  for (size_t i = 1; i < words.size(); ++i) out << QString::fromStdString(words[i]);
  out << QStringLiteral("--run-dir") << runDir;
  return out;
}

QString ProcessTrainer::runDirFor(const fitbench::FitConfig& config) const {
  const QString dir =
      m_runDirSetting.isEmpty() ? QString::fromStdString(config.claim_run_directory()) : m_runDirSetting;
  return QDir::current().absoluteFilePath(dir);
}

bool ProcessTrainer::start(const fitbench::FitArgs& args, int processes, const QString& hostfile) {
  if (m_running) return false;
  m_running = true;
  m_started = false;
  m_stopRequested = false;
  m_killed = false;
  m_error.clear();
  m_lastOutput.clear();
  m_outputPartial.clear();
  m_lastValidation.clear();
  m_hosts.clear();
  m_epochsDone = 0;
  processes = std::max(1, processes);

  const fitbench::FitConfig config = fitbench::FitConfig::resolve(args);
  m_runDir = runDirFor(config);
  m_info = fitbench::RunInfo{};
  m_info.network = config.network;
  m_info.run_dir = m_runDir.toStdString();
  m_info.begin_epoch = config.begin_epoch();
  m_info.num_epochs = config.num_epochs;
  m_info.batch_size = config.batch_size;
  // 0 when --num-examples is None: the data decides, which only the workers know.
  m_info.batches_per_epoch = config.batches_per_epoch(processes);
  // A directory used before keeps its records: only what this run appends counts.
  m_tails.clear();
  for (int rank = 0; rank < processes; ++rank) {
    m_tails.emplace_back(fitbench::run_records_path(fitbench::worker_run_dir(m_runDir.toStdString(), rank)));
    try {
      m_tails.back().skip_existing();
    } catch (const fitbench::Error&) {
      // Unreadable now: the polls try again.
    }
  }

  if (const QString problem = CliProgram::problem(m_cli); !problem.isEmpty()) {
    refuse(problem);
    return true;
  }
  if (const QString problem = hostfileProblem(hostfile); !problem.isEmpty()) {
    refuse(problem);
    return true;
  }

  delete m_process;
  m_process = new QProcess(this);
  m_process->setProcessChannelMode(QProcess::MergedChannels);
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  // OpenMPI refuses to start as root (CI containers, some workstations) unless told it is meant.
  if (geteuid() == 0) {
    env.insert(QStringLiteral("OMPI_ALLOW_RUN_AS_ROOT"), QStringLiteral("1"));
    env.insert(QStringLiteral("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"), QStringLiteral("1"));
  }
  // The workers share this machine's cores rather than each taking all of
  // them. Those of a hostfile run elsewhere too, in their machine's own environment.
  if (hostfile.isEmpty() && !env.contains(QStringLiteral("OMP_NUM_THREADS")))
    env.insert(QStringLiteral("OMP_NUM_THREADS"),
               QString::number(std::max(1, QThread::idealThreadCount() / processes)));
  m_process->setProcessEnvironment(env);
  connect(m_process, &QProcess::readyReadStandardOutput, this, &ProcessTrainer::readOutput);
  connect(m_process, &QProcess::finished, this, &ProcessTrainer::onProcessFinished);
  connect(m_process, &QProcess::errorOccurred, this, &ProcessTrainer::onProcessError);

  const QStringList arguments = mpirunArguments(args, processes, hostfile, m_runDir);
  emit logLine(
      tr("Starting %1 worker processes: %2 %3")
          .arg(processes)
          .arg(m_mpirun.isEmpty() ? QStringLiteral("mpirun") : m_mpirun, arguments.join(QLatin1Char(' '))));
  m_pollTimer->start();
  m_process->start(m_mpirun, arguments);
  return true;
}

void ProcessTrainer::stop() {
  if (!m_running || m_stopRequested || m_process == nullptr) return;
  m_stopRequested = true;
  if (m_process->state() == QProcess::Running) {
    // mpirun passes the interrupt on to the workers, which stop after the same batch.
    ::kill(static_cast<pid_t>(m_process->processId()), SIGINT);
    m_killTimer->start(m_stopGraceMs);
  } else {
    m_process->kill();
  }
}

void ProcessTrainer::poll() {
  for (int rank = 0; rank < static_cast<int>(m_tails.size()); ++rank) readTail(rank);
}

void ProcessTrainer::readTail(int rank) {
  fitbench::RunRecordReader::Result added;
  try {
    added = m_tails[static_cast<size_t>(rank)].read();
  } catch (const fitbench::Error&) {
    return;  // unreadable now: the next poll tries again
  }
  for (const fitbench::RunRecord& record : added.records) onRecord(rank, record);
}

void ProcessTrainer::onRecord(int rank, const fitbench::RunRecord& record) {
  if (const auto* batch = std::get_if<fitbench::BatchRecord>(&record)) {
    fitbench::BatchStats stats;
    stats.epoch = batch->epoch;
    stats.batch = batch->batch;
    stats.batches_per_epoch = m_info.batches_per_epoch;
    stats.num_update = batch->num_update;
    stats.learning_rate = batch->learning_rate;
    stats.loss = batch->loss;
    stats.samples_per_sec = batch->samples_per_sec;
    stats.metrics = batch->metrics;
    emit rankBatchEnded(rank, stats);
    if (rank != 0) return;
    // Rank 0's first batch: the workers have set up and train.
    if (!m_started) {
      m_started = true;
      emit runStarted(m_info);
    }
    emit batchEnded(stats);
  } else if (const auto* epoch = std::get_if<fitbench::EpochRecord>(&record); epoch && rank == 0) {
    fitbench::EpochStats stats{epoch->epoch, epoch->time_cost, epoch->learning_rate, epoch->train, epoch->validation};
    ++m_epochsDone;
    m_lastValidation = stats.validation;
    emit epochEnded(stats);
  }
}

void ProcessTrainer::readOutput() {
  m_outputPartial += m_process->readAllStandardOutput();
  qsizetype begin = 0;
  for (qsizetype end = m_outputPartial.indexOf('\n'); end >= 0; end = m_outputPartial.indexOf('\n', begin)) {
    onOutputLine(QString::fromLocal8Bit(m_outputPartial.mid(begin, end - begin)).trimmed());
    begin = end + 1;
  }
  m_outputPartial.remove(0, begin);
}

void ProcessTrainer::onOutputLine(const QString& line) {
  if (line.isEmpty()) return;
  emit logLine(line);
  m_lastOutput.append(line);
  if (m_lastOutput.size() > kLastOutputLines) m_lastOutput.removeFirst();

  // Rank 0's checkpoints (the other ranks save theirs under prefix-<rank>).
  static const QRegularExpression saved(
      QStringLiteral(R"re(Node\[0\] Saved checkpoint to "(.*-(\d+)\.params)"$)re"));
  if (const QRegularExpressionMatch m = saved.match(line); m.hasMatch()) {
    const QString params = m.captured(1);
    const int epoch = m.captured(2).toInt();
    const QString prefix = params.left(m.capturedStart(2) - m.capturedStart(1) - 1);
    emit checkpointSaved({epoch, params.toStdString(), fitbench::states_path(prefix.toStdString(), epoch)});
    return;
  }
  static const QRegularExpression host(
      QStringLiteral(R"(Node\[(\d+)\] Worker rank \d+ of \d+ runs on host (\S+)$)"));
  if (const QRegularExpressionMatch m = host.match(line); m.hasMatch()) {
    m_hosts[m.captured(1).toInt()] = m.captured(2);
    emit hostsChanged(describeHosts(m_hosts));
    return;
  }
  if (!m_error.isEmpty()) return;
  // The first error a worker reports: the core's own log line ("worker rank 1
  // stopped unexpectedly ..."), or fitbench-cli's message.
  static const QRegularExpression workerError(
      QStringLiteral(R"((?:Node\[\d+\] Error|fitbench-cli: error): (.*)$)"));
  if (const QRegularExpressionMatch m = workerError.match(line); m.hasMatch()) m_error = m.captured(1);
}

void ProcessTrainer::onProcessFinished(int exitCode, QProcess::ExitStatus status) {
  readOutput();
  if (!m_outputPartial.isEmpty()) {
    onOutputLine(QString::fromLocal8Bit(m_outputPartial).trimmed());
    m_outputPartial.clear();
  }
  poll();  // the records written since the last tick

  fitbench::FinishInfo info;
  info.epochs_done = m_epochsDone;
  info.last_validation = m_lastValidation;
  if (m_stopRequested) {
    // The workers exit non-zero when interrupted; that is the stop, not a failure.
    info.stopped = true;
    if (m_killed)
      emit logLine(tr("mpirun did not end within %1 s of Stop and was killed").arg(m_stopGraceMs / 1000.0));
  } else if (status == QProcess::NormalExit && exitCode == 0) {
    info.completed = true;
  } else {
    QString error = m_error;
    if (error.isEmpty()) {
      error = status == QProcess::NormalExit ? tr("mpirun ended with exit code %1").arg(exitCode)
                                             : tr("mpirun was killed (%1)").arg(m_process->errorString());
      if (!m_lastOutput.isEmpty()) error += tr(". Its last output:\n") + m_lastOutput.join(QLatin1Char('\n'));
    }
    info.error = error.toStdString();
  }
  finish(info);
}

void ProcessTrainer::onProcessError(QProcess::ProcessError error) {
  // Every other error is followed by finished().
  if (error != QProcess::FailedToStart) return;
  fitbench::FinishInfo info;
  info.error =
      tr("Cannot start mpirun (%1): %2. Install OpenMPI's mpirun (Debian: openmpi-bin) to train with "
         "several processes.")
          .arg(m_mpirun.isEmpty() ? tr("not found on PATH") : QDir::toNativeSeparators(m_mpirun),
               m_process->errorString())
          .toStdString();
  finish(info);
}

void ProcessTrainer::refuse(const QString& error) {
  fitbench::FinishInfo info;
  info.error = error.toStdString();
  QTimer::singleShot(0, this, [this, info] { finish(info); });
}

void ProcessTrainer::finish(fitbench::FinishInfo info) {
  if (!m_running) return;
  m_pollTimer->stop();
  m_killTimer->stop();
  m_running = false;
  emit finished(info);
}
