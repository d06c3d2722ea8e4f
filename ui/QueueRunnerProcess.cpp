#include "QueueRunnerProcess.h"

#include <QDir>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QTimer>

#include <csignal>

#include "CliProgram.h"

namespace {

// How long leave() waits for the process after SIGHUP. Its runners end at
// once; only a process that hangs is killed after this.
constexpr int kLeaveWaitMs = 5000;

}  // namespace

QueueRunnerProcess::QueueRunnerProcess(QObject* parent)
    : QObject(parent), m_program(CliProgram::besideApplication()), m_process(new QProcess(this)) {
  // The runners write their messages and training logs to stderr (each run
  // also keeps its log in its run directory); stdout has nothing to read here.
  m_process->setStandardOutputFile(QProcess::nullDevice());
  connect(m_process, &QProcess::readyReadStandardError, this, &QueueRunnerProcess::readErrors);
  connect(m_process, &QProcess::finished, this, &QueueRunnerProcess::onFinished);
  connect(m_process, &QProcess::errorOccurred, this, &QueueRunnerProcess::onError);
}

QueueRunnerProcess::~QueueRunnerProcess() { leave(); }

bool QueueRunnerProcess::runsOn(const QString& gpus) {
  return gpus.split(QLatin1Char(','), Qt::SkipEmptyParts).size() >= 2;
}

QStringList QueueRunnerProcess::arguments(const QString& queueFile, const QString& gpus) {
  return {QStringLiteral("--queue"), queueFile, QStringLiteral("--queue-gpus"), gpus};
}

void QueueRunnerProcess::start(const QString& queueFile, const QString& gpus) {
  if (m_running) return;
  m_running = true;
  m_stopRequested = false;
  m_gpus = gpus;
  m_partialLine.clear();
  m_lastLine.clear();
  if (const QString problem = CliProgram::problem(m_program); !problem.isEmpty()) {
    // Reported as a process that fails to start is, after start() has returned.
    QTimer::singleShot(0, this, [this, problem] { end(problem); });
    return;
  }
  m_process->start(m_program, arguments(queueFile, gpus));
}

void QueueRunnerProcess::stop() {
  if (m_process->state() == QProcess::NotRunning) return;
  m_stopRequested = true;
  m_process->terminate();
}

void QueueRunnerProcess::leave() {
  if (m_process->state() == QProcess::NotRunning) return;
  const QSignalBlocker quiet(this);
  ::kill(static_cast<pid_t>(m_process->processId()), SIGHUP);
  if (!m_process->waitForFinished(kLeaveWaitMs)) {
    m_process->kill();
    m_process->waitForFinished();
  }
}

void QueueRunnerProcess::readErrors() {
  // "fitbench-cli: queue: starting lenet-lr0.1 (entry 3) on gpu(1)", as run_queue_file() writes it.
  static const QRegularExpression started(
      QStringLiteral(R"(^fitbench-cli: queue: (?:starting|resuming) .+ \(entry (\S+)\) on gpu\((\d+)\)$)"));
  m_partialLine += m_process->readAllStandardError();
  for (qsizetype newline; (newline = m_partialLine.indexOf('\n')) >= 0;) {
    const QString line = QString::fromUtf8(m_partialLine.left(newline)).trimmed();
    m_partialLine.remove(0, newline + 1);
    if (line.isEmpty()) continue;
    m_lastLine = line;
    if (const QRegularExpressionMatch match = started.match(line); match.hasMatch())
      emit entryStarted(match.captured(1), match.captured(2));
  }
}

void QueueRunnerProcess::onFinished(int exitCode, QProcess::ExitStatus status) {
  readErrors();
  if (const QString last = QString::fromUtf8(m_partialLine).trimmed(); !last.isEmpty()) m_lastLine = last;
  if (m_stopRequested || (status == QProcess::NormalExit && exitCode == 0)) {
    end({});
    return;
  }
  const QString program = QDir::toNativeSeparators(m_program);
  if (!m_lastLine.isEmpty())
    end(m_lastLine);
  else if (status == QProcess::CrashExit)
    end(tr("%1 crashed").arg(program));
  else
    end(tr("%1 ended with exit code %2 and no message").arg(program).arg(exitCode));
}

void QueueRunnerProcess::onError(QProcess::ProcessError error) {
  // Any other error is followed by finished().
  if (error == QProcess::FailedToStart)
    end(tr("Cannot start %1: %2").arg(QDir::toNativeSeparators(m_program), m_process->errorString()));
}

void QueueRunnerProcess::end(const QString& error) {
  m_running = false;
  emit finished(error);
}
