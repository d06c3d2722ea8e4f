// ProcessTrainer: the mpirun command line it builds, on this machine or on
// a hostfile's machines; a hostfile that cannot be read refused, naming it;
// each rank's host, from the workers' output; a real run of two dist_sync
// workers (mlp on 2,000 Fashion-MNIST images) reported through
// TrainerController's signals plus every rank's throughput and host; Stop
// ending a run with both workers at the same batch; and the errors of a
// missing mpirun, a missing fitbench-cli, a missing hostfile, a worker that
// fails and a worker that is killed, each ending in finished() with a
// readable error.
#include <QDir>
#include <QFile>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <sys/types.h>
#include <csignal>

#include "ProcessTrainer.h"
#include "fitbench/file_util.h"
#include "fitbench/fit.h"
#include "fitbench/fit_args.h"
#include "fitbench/run_records.h"
#include "stub_program.h"

namespace {

constexpr int kRunTimeoutMs = 120000;
const char* const kFashionMnist = "/usr/share/datasets/fashion-mnist";

// mlp with a dist_sync store on the first `examples` Fashion-MNIST images.
fitbench::FitArgs distArgs(int examples, int epochs, const QString& prefix) {
  fitbench::FitArgs args = fitbench::train_mnist_defaults();
  const std::string data = kFashionMnist;
  for (const auto& [name, value] :
       std::initializer_list<std::pair<const char*, std::string>>{{"network", "mlp"},
                                                                  {"kv-store", "dist_sync"},
                                                                  {"data-train", data},
                                                                  {"data-val", data},
                                                                  {"num-examples", std::to_string(examples)},
                                                                  {"num-epochs", std::to_string(epochs)},
                                                                  {"batch-size", "32"},
                                                                  {"disp-batches", "10"},
                                                                  {"model-prefix", prefix.toStdString()}})
    args.set(name, value);
  return args;
}

fitbench::FinishInfo finishOf(const QSignalSpy& spy) {
  return qvariant_cast<fitbench::FinishInfo>(spy.at(0).at(0));
}

// The last batch record of a metrics.jsonl: nothing when there is none.
std::optional<fitbench::BatchRecord> lastBatch(const QString& path) {
  std::optional<fitbench::BatchRecord> last;
  for (const fitbench::RunRecord& record : fitbench::RunRecordReader(path.toStdString()).read().records)
    if (const auto* batch = std::get_if<fitbench::BatchRecord>(&record)) last = *batch;
  return last;
}

// The pid of the fitbench-cli worker of `rank` whose command line holds
// `runDir` (OpenMPI tells each worker its rank in the environment); -1 if none.
pid_t workerPid(const QString& runDir, int rank) {
  const QByteArray wanted = "OMPI_COMM_WORLD_RANK=" + QByteArray::number(rank);
  const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
  for (const QString& entry : entries) {
    bool isPid = false;
    const int pid = entry.toInt(&isPid);
    if (!isPid) continue;
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
    QFile environ(QStringLiteral("/proc/%1/environ").arg(pid));
    if (!cmdline.open(QIODevice::ReadOnly) || !environ.open(QIODevice::ReadOnly)) continue;
    const QList<QByteArray> words = cmdline.readAll().split('\0');
    if (words.isEmpty() || !words.front().endsWith("fitbench-cli") || !words.contains(runDir.toUtf8()))
      continue;
    if (environ.readAll().split('\0').contains(wanted)) return static_cast<pid_t>(pid);
  }
  return -1;
}

}  // namespace

#define SKIP_WITHOUT_WORKERS()                                                              \
  do {                                                                                      \
    if (!ProcessTrainer::unavailableReason().isEmpty())                                     \
      QSKIP(qPrintable(ProcessTrainer::unavailableReason()));                               \
    if (!QFile::exists(QString::fromLatin1(kFashionMnist) + "/train-images-idx3-ubyte.gz")) \
      QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");      \
  } while (false)

class TestProcessTrainer : public QObject {
  Q_OBJECT

 private slots:
  void mpirunArguments_data();
  void mpirunArguments();
  void hostfileProblem_data();
  void hostfileProblem();
  void describeHosts_data();
  void describeHosts();
  void hostsFromWorkerOutput();
  void twoWorkersTrain();
  void stopEndsEveryWorkerAtTheSameBatch();
  void startErrors_data();
  void startErrors();
  void failingWorkerReportsItsError();
  void killedWorkerEndsTheRun();

 private:
  QTemporaryDir m_tmp;
};

void TestProcessTrainer::mpirunArguments_data() {
  QTest::addColumn<int>("processes");
  QTest::addColumn<QString>("hostfile");
  QTest::addColumn<bool>("oversubscribe");
  QTest::newRow("one per core") << 1 << QString() << false;
  QTest::newRow("more than the cores") << QThread::idealThreadCount() + 1 << QString() << true;
  // The hostfile's slots count, not this machine's cores.
  QTest::newRow("a hostfile") << QThread::idealThreadCount() + 1 << QStringLiteral("cluster/hosts") << false;
}

void TestProcessTrainer::mpirunArguments() {
  QFETCH(int, processes);
  QFETCH(QString, hostfile);
  QFETCH(bool, oversubscribe);
  ProcessTrainer trainer;
  trainer.setCliPath(QStringLiteral("/opt/fitbench/bin/fitbench-cli"));
  fitbench::FitArgs args = distArgs(2000, 1, QStringLiteral("ckpt/mlp"));
  args.set("run-dir", "the-form-dir");  // replaced by the run's own directory
  const QStringList argv = trainer.mpirunArguments(args, processes, hostfile, QStringLiteral("/runs/fresh"));

  QCOMPARE(argv.mid(0, 2), QStringList({QStringLiteral("-np"), QString::number(processes)}));
  QCOMPARE(argv.contains(QStringLiteral("--oversubscribe")), oversubscribe);
  // A slot per logical CPU is this machine's count; the hostfile's machines have their own.
  QCOMPARE(argv.contains(QStringLiteral("--use-hwthread-cpus")), hostfile.isEmpty());
  const qsizetype hostfileAt = argv.indexOf(QStringLiteral("--hostfile"));
  if (hostfile.isEmpty()) {
    QCOMPARE(hostfileAt, -1);
  } else {
    QVERIFY(hostfileAt > 0);
    QCOMPARE(argv.value(hostfileAt + 1), QDir::current().absoluteFilePath(hostfile));
  }
  // Either way the workers are unbound, and shared memory copies through its buffer.
  QVERIFY(argv.join(QLatin1Char(' '))
              .contains(QStringLiteral("--bind-to none --mca btl_vader_single_copy_mechanism none")));
  const qsizetype cli = argv.indexOf(QStringLiteral("/opt/fitbench/bin/fitbench-cli"));
  QVERIFY(cli > 0);
  // After the program: the form's command line, which parses back to the same arguments.
  QStringList workerArgs = argv.mid(cli + 1);
  QCOMPARE(workerArgs.mid(workerArgs.size() - 2),
           QStringList({QStringLiteral("--run-dir"), QStringLiteral("/runs/fresh")}));
  QVERIFY(!workerArgs.contains(QStringLiteral("the-form-dir")));
  std::vector<std::string> words;
  for (const QString& w : workerArgs) words.push_back(w.toStdString());
  fitbench::FitArgs parsed = fitbench::parse_command_line(words, fitbench::train_mnist_defaults());
  args.set("run-dir", "/runs/fresh");
  QVERIFY(parsed == args);
}

void TestProcessTrainer::hostfileProblem_data() {
  QTest::addColumn<QString>("hostfile");
  QTest::addColumn<QString>("problem");  // its start; "" for none
  QVERIFY(m_tmp.isValid());
  const QString hosts = m_tmp.filePath(QStringLiteral("hosts"));
  QFile file(hosts);
  QVERIFY(file.open(QIODevice::WriteOnly) && file.write("node1 slots=2\nnode2 slots=2\n") > 0);
  const QString missing = m_tmp.filePath(QStringLiteral("no-such-hosts"));
  QTest::newRow("this machine") << QString() << QString();
  QTest::newRow("a hostfile") << hosts << QString();
  QTest::newRow("missing") << missing << QStringLiteral("The hostfile %1 does not exist").arg(missing);
  QTest::newRow("a folder") << m_tmp.path()
                            << QStringLiteral("The hostfile %1 is a folder").arg(m_tmp.path());
}

void TestProcessTrainer::hostfileProblem() {
  QFETCH(QString, hostfile);
  QFETCH(QString, problem);
  const QString found = ProcessTrainer::hostfileProblem(hostfile);
  QVERIFY2(problem.isEmpty() ? found.isEmpty() : found.startsWith(problem), qPrintable(found));
}

void TestProcessTrainer::describeHosts_data() {
  QTest::addColumn<QList<int>>("ranks");
  QTest::addColumn<QStringList>("hosts");
  QTest::addColumn<QString>("described");
  QTest::newRow("none") << QList<int>() << QStringList() << QString();
  QTest::newRow("one") << QList<int>{0} << QStringList{QStringLiteral("host-a")}
                       << QStringLiteral("Rank 0 on host-a");
  QTest::newRow("one each") << QList<int>{0, 1}
                            << QStringList{QStringLiteral("host-a"), QStringLiteral("host-b")}
                            << QStringLiteral("Rank 0 on host-a, rank 1 on host-b");
  QTest::newRow("slots filled in turn")
      << QList<int>{0, 1, 2, 3}
      << QStringList{QStringLiteral("a"), QStringLiteral("a"), QStringLiteral("a"), QStringLiteral("b")}
      << QStringLiteral("Ranks 0–2 on a, rank 3 on b");
  QTest::newRow("round robin") << QList<int>{0, 1, 2, 3}
                               << QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("a"),
                                              QStringLiteral("b")}
                               << QStringLiteral("Ranks 0,2 on a, ranks 1,3 on b");
  QTest::newRow("one not heard from yet")
      << QList<int>{0, 2} << QStringList{QStringLiteral("a"), QStringLiteral("a")}
      << QStringLiteral("Ranks 0,2 on a");
}

void TestProcessTrainer::describeHosts() {
  QFETCH(QList<int>, ranks);
  QFETCH(QStringList, hosts);
  QFETCH(QString, described);
  QMap<int, QString> byRank;
  for (qsizetype i = 0; i < ranks.size(); ++i) byRank[ranks[i]] = hosts[i];
  QCOMPARE(ProcessTrainer::describeHosts(byRank), described);
}

// Each rank's host from the lines the workers print at start, amid the rest
// of mpirun's output: a stand-in for mpirun prints them, so no MPI is needed.
void TestProcessTrainer::hostsFromWorkerOutput() {
  const QString mpirun = m_tmp.filePath(QStringLiteral("fake-mpirun"));
  QVERIFY(writeStubProgram(
      mpirun,
      "#!/bin/sh\n"
      "echo '2026-12-06 10:00:00,001 Node[1] start with arguments Namespace(...)'\n"
      "echo '2026-12-06 10:00:00,002 Node[1] Worker rank 1 of 3 runs on host node2.cluster'\n"
      "echo '2026-12-06 10:00:00,003 Node[0] Worker rank 0 of 3 runs on host node1.cluster'\n"
      "echo '2026-12-06 10:00:00,004 Node[2] Worker rank 2 of 3 runs on host node2.cluster'\n"));
  ProcessTrainer trainer;
  trainer.setMpirunPath(mpirun);
  trainer.setCliPath(QStringLiteral("/bin/true"));
  trainer.setRunDir(m_tmp.filePath(QStringLiteral("hosts-run")));
  QSignalSpy hosts(&trainer, &ProcessTrainer::hostsChanged);
  QSignalSpy logs(&trainer, &ProcessTrainer::logLine);
  QSignalSpy finished(&trainer, &ProcessTrainer::finished);
  QVERIFY(trainer.start(distArgs(2000, 1, m_tmp.filePath(QStringLiteral("hosts-ckpt/mlp"))), 3));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
  QStringList described;
  for (const QList<QVariant>& args : std::as_const(hosts)) described << args.at(0).toString();
  QCOMPARE(described, QStringList({QStringLiteral("Rank 1 on node2.cluster"),
                                   QStringLiteral("Rank 0 on node1.cluster, rank 1 on node2.cluster"),
                                   QStringLiteral("Rank 0 on node1.cluster, ranks 1–2 on node2.cluster")}));
  // The lines stay in the log.
  QStringList lines;
  for (const QList<QVariant>& args : std::as_const(logs)) lines << args.at(0).toString();
  QCOMPARE(lines.filter(QStringLiteral("runs on host")).size(), 3);
}

void TestProcessTrainer::twoWorkersTrain() {
  SKIP_WITHOUT_WORKERS();
  ProcessTrainer trainer;
  trainer.setCliPath(QStringLiteral(FITBENCH_CLI_PATH));
  trainer.setRunDir(m_tmp.filePath(QStringLiteral("two-run")));
  QSignalSpy started(&trainer, &ProcessTrainer::runStarted);
  QSignalSpy batches(&trainer, &ProcessTrainer::batchEnded);
  QSignalSpy epochs(&trainer, &ProcessTrainer::epochEnded);
  QSignalSpy ranks(&trainer, &ProcessTrainer::rankBatchEnded);
  QSignalSpy checkpoints(&trainer, &ProcessTrainer::checkpointSaved);
  QSignalSpy logs(&trainer, &ProcessTrainer::logLine);
  QSignalSpy hosts(&trainer, &ProcessTrainer::hostsChanged);
  QSignalSpy finished(&trainer, &ProcessTrainer::finished);

  const QString prefix = m_tmp.filePath(QStringLiteral("two-ckpt/mlp"));
  QVERIFY(trainer.start(distArgs(2000, 1, prefix), 2));
  QVERIFY(trainer.isRunning());
  QVERIFY(!trainer.start(distArgs(2000, 1, prefix), 2));  // one run at a time
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  const fitbench::FinishInfo info = finishOf(finished);
  QVERIFY2(info.error.empty(), info.error.c_str());
  QVERIFY(info.completed);
  QVERIFY(!info.stopped);
  QCOMPARE(info.epochs_done, 1);
  QVERIFY(!trainer.isRunning());

  // Rank 0's records, as an in-process run reports them: 2,000 images over
  // two workers of batch 32 are 32 batches per epoch.
  QCOMPARE(started.count(), 1);
  const auto runInfo = qvariant_cast<fitbench::RunInfo>(started.at(0).at(0));
  QCOMPARE(runInfo.batches_per_epoch, 32);
  QCOMPARE(QString::fromStdString(runInfo.run_dir), m_tmp.filePath(QStringLiteral("two-run")));
  QCOMPARE(batches.count(), 32);
  const auto lastBatchStats = qvariant_cast<fitbench::BatchStats>(batches.last().at(0));
  QCOMPARE(lastBatchStats.num_update, 32);
  QVERIFY(std::isfinite(lastBatchStats.loss));
  QCOMPARE(epochs.count(), 1);
  const auto epoch = qvariant_cast<fitbench::EpochStats>(epochs.at(0).at(0));
  QVERIFY(!epoch.validation.empty());
  QVERIFY(!info.last_validation.empty());

  // Both ranks' throughput.
  QSet<int> seen;
  for (const QList<QVariant>& args : std::as_const(ranks)) {
    seen.insert(args.at(0).toInt());
    QVERIFY(qvariant_cast<fitbench::BatchStats>(args.at(1)).samples_per_sec > 0.0);
  }
  QCOMPARE(seen, QSet<int>({0, 1}));

  // Rank 0's checkpoint, as the core names it.
  QCOMPARE(checkpoints.count(), 1);
  const auto checkpoint = qvariant_cast<fitbench::CheckpointInfo>(checkpoints.at(0).at(0));
  QCOMPARE(checkpoint.epoch, 1);
  QCOMPARE(checkpoint.params_path, prefix.toStdString() + "-0001.params");
  QVERIFY(QFile::exists(QString::fromStdString(checkpoint.params_path)));
  QVERIFY(QFile::exists(QString::fromStdString(checkpoint.states_path)));

  // Both workers' log lines came through.
  QStringList lines;
  for (const QList<QVariant>& args : std::as_const(logs)) lines << args.at(0).toString();
  QVERIFY(lines.filter(QStringLiteral("Node[1] Epoch[0] Train-accuracy")).size() == 1);
  // Both on this machine.
  QVERIFY(!hosts.isEmpty());
  QCOMPARE(hosts.last().at(0).toString(),
           QStringLiteral("Ranks 0–1 on %1").arg(QString::fromStdString(fitbench::host_name())));
}

void TestProcessTrainer::stopEndsEveryWorkerAtTheSameBatch() {
  SKIP_WITHOUT_WORKERS();
  ProcessTrainer trainer;
  trainer.setCliPath(QStringLiteral(FITBENCH_CLI_PATH));
  const QString runDir = m_tmp.filePath(QStringLiteral("stop-run"));
  trainer.setRunDir(runDir);
  QSignalSpy batches(&trainer, &ProcessTrainer::batchEnded);
  QSignalSpy finished(&trainer, &ProcessTrainer::finished);

  QVERIFY(trainer.start(distArgs(2000, 100000, m_tmp.filePath(QStringLiteral("stop-ckpt/mlp"))), 2));
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  QCOMPARE(finished.count(), 0);
  trainer.stop();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  const fitbench::FinishInfo info = finishOf(finished);
  QVERIFY2(info.error.empty(), info.error.c_str());
  QVERIFY(info.stopped);
  QVERIFY(!info.completed);

  // The workers agreed on the batch to stop after.
  const auto rank0 = lastBatch(QDir(runDir).filePath(QStringLiteral("metrics.jsonl")));
  const auto rank1 = lastBatch(QDir(runDir).filePath(QStringLiteral("node1/metrics.jsonl")));
  QVERIFY(rank0 && rank1);
  QCOMPARE(rank1->num_update, rank0->num_update);
  QCOMPARE(rank1->epoch, rank0->epoch);
  QCOMPARE(rank1->batch, rank0->batch);
}

void TestProcessTrainer::startErrors_data() {
  QTest::addColumn<QString>("mpirun");
  QTest::addColumn<QString>("cli");
  QTest::addColumn<QString>("hostfile");
  QTest::addColumn<QString>("expected");
  QTest::newRow("mpirun missing") << QStringLiteral("/nonexistent/bin/mpirun")
                                  << QStringLiteral(FITBENCH_CLI_PATH) << QString()
                                  << QStringLiteral("Cannot start mpirun (/nonexistent/bin/mpirun)");
  QTest::newRow("fitbench-cli missing")
      << QStringLiteral("mpirun") << QStringLiteral("/nonexistent/bin/fitbench-cli") << QString()
      << QStringLiteral("The program /nonexistent/bin/fitbench-cli is missing");
  QTest::newRow("hostfile missing") << QStringLiteral("mpirun") << QStringLiteral(FITBENCH_CLI_PATH)
                                    << QStringLiteral("/nonexistent/cluster/hosts")
                                    << QStringLiteral(
                                           "The hostfile /nonexistent/cluster/hosts does not exist");
}

// These need neither MPI nor data: the run never gets that far.
void TestProcessTrainer::startErrors() {
  QFETCH(QString, mpirun);
  QFETCH(QString, cli);
  QFETCH(QString, hostfile);
  QFETCH(QString, expected);
  ProcessTrainer trainer;
  trainer.setMpirunPath(mpirun);
  trainer.setCliPath(cli);
  trainer.setRunDir(m_tmp.filePath(QStringLiteral("error-run")));
  QSignalSpy started(&trainer, &ProcessTrainer::runStarted);
  QSignalSpy finished(&trainer, &ProcessTrainer::finished);
  QVERIFY(trainer.start(distArgs(2000, 1, m_tmp.filePath(QStringLiteral("error-ckpt/mlp"))), 2, hostfile));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
  const QString error = QString::fromStdString(finishOf(finished).error);
  QVERIFY2(error.startsWith(expected), qPrintable(error));
  QCOMPARE(started.count(), 0);
  QVERIFY(!trainer.isRunning());
}

void TestProcessTrainer::failingWorkerReportsItsError() {
  SKIP_WITHOUT_WORKERS();
  ProcessTrainer trainer;
  trainer.setCliPath(QStringLiteral(FITBENCH_CLI_PATH));
  trainer.setRunDir(m_tmp.filePath(QStringLiteral("failing-run")));
  QSignalSpy finished(&trainer, &ProcessTrainer::finished);
  fitbench::FitArgs args = distArgs(2000, 1, m_tmp.filePath(QStringLiteral("failing-ckpt/mlp")));
  args.set("data-train", "/nonexistent/fitbench-data");
  QVERIFY(trainer.start(args, 2));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  const fitbench::FinishInfo info = finishOf(finished);
  QVERIFY(!info.completed);
  QVERIFY(!info.stopped);
  // The workers' own message, naming the missing data.
  QVERIFY2(QString::fromStdString(info.error).contains(QStringLiteral("/nonexistent/fitbench-data")),
           info.error.c_str());
}

void TestProcessTrainer::killedWorkerEndsTheRun() {
  SKIP_WITHOUT_WORKERS();
  ProcessTrainer trainer;
  trainer.setCliPath(QStringLiteral(FITBENCH_CLI_PATH));
  const QString runDir = m_tmp.filePath(QStringLiteral("killed-run"));
  trainer.setRunDir(runDir);
  QSignalSpy batches(&trainer, &ProcessTrainer::batchEnded);
  QSignalSpy finished(&trainer, &ProcessTrainer::finished);
  QVERIFY(trainer.start(distArgs(2000, 100000, m_tmp.filePath(QStringLiteral("killed-ckpt/mlp"))), 2));
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  QCOMPARE(finished.count(), 0);
  const pid_t victim = workerPid(runDir, 1);
  QVERIFY2(victim > 0, "rank 1 was not found among the running fitbench-cli processes");
  QCOMPARE(::kill(victim, SIGKILL), 0);
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  const fitbench::FinishInfo info = finishOf(finished);
  QVERIFY(!info.completed);
  QVERIFY(!info.stopped);
  QVERIFY2(
      QString::fromStdString(info.error).startsWith(QStringLiteral("worker rank 1 stopped unexpectedly")),
      info.error.c_str());
}

QTEST_MAIN(TestProcessTrainer)
#include "tst_processtrainer.moc"
