// The Runs view on real runs: a sweep run through the queue, a branch and a
// diverged run are listed with their status and best accuracy, sort by it,
// filter, compare (the arguments that differ, the overlay, the branch tree),
// take notes, archive, export and delete with the files listed. It follows
// runs as they write, appear and die, and stays responsive with 500 runs
// (the open time and the event loop's longest stall are printed).
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "RunsModel.h"
#include "RunsView.h"
#include "fitbench/run_records.h"
#include "run_fixture.h"
#include "workspace_fixture.h"

namespace {

constexpr int kWaitMs = 20000;

// Deletes without asking, keeping the files it was shown.
class AgreeingRunsView : public RunsView {
 public:
  QStringList shownFiles;

 protected:
  bool confirmDelete(const QString&, const QStringList& files) override {
    shownFiles = files;
    return true;
  }
};

int rowOf(const RunsView& view, const QString& name) {
  QAbstractItemModel* m = view.table()->model();
  for (int row = 0; row < m->rowCount(); ++row)
    if (m->index(row, RunsModel::NameColumn).data().toString() == name) return row;
  return -1;
}

QString cell(const RunsView& view, int row, int column) {
  return view.table()->model()->index(row, column).data().toString();
}

QString dirOf(const RunsView& view, const QString& name) {
  const int row = rowOf(view, name);
  return row < 0 ? QString() : view.table()->model()->index(row, 0).data(RunsModel::DirRole).toString();
}

}  // namespace

class TestRunsView : public QObject {
  Q_OBJECT

 private slots:
  void listsSortsComparesAndEditsRealRuns();
  void followsRunsAsTheyWriteAppearAndDie();
  void staysResponsiveWithFiveHundredRuns();
};

void TestRunsView::listsSortsComparesAndEditsRealRuns() {
  QTemporaryDir tmp;
  const QString ws = workspacetest::makeWorkspace(tmp.path());
  AgreeingRunsView view;
  view.resize(1200, 700);
  view.show();
  QSignalSpy opened(&view, &RunsView::workspaceOpened);
  view.openWorkspace(ws);
  QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 14, kWaitMs);
  QCOMPARE(opened.count(), 1);

  // Status from the records: the diverged run says so, the others finished.
  QCOMPARE(cell(view, rowOf(view, "mlp-diverged"), RunsModel::StatusColumn), QStringLiteral("diverged"));
  QCOMPARE(cell(view, rowOf(view, "lenet-lr0.1-batch-size16"), RunsModel::StatusColumn), QStringLiteral("finished"));
  QCOMPARE(cell(view, rowOf(view, "lenet-lr0.1-batch-size16"), RunsModel::EpochsColumn), QStringLiteral("2 / 2"));
  QVERIFY(cell(view, rowOf(view, "lenet-lr0.1-batch-size16"), RunsModel::ChangedColumn).contains("lr=0.1"));
  QCOMPARE(cell(view, rowOf(view, "lenet-branch"), RunsModel::ParentColumn),
           QStringLiteral("lenet-lr0.05-batch-size32 @ epoch 1"));

  // Sorted by best accuracy, best first: the column reads down, never up.
  view.table()->sortByColumn(RunsModel::BestAccuracyColumn, Qt::DescendingOrder);
  double previous = 2.0;
  for (int row = 0; row < view.table()->model()->rowCount(); ++row) {
    const QString text = cell(view, row, RunsModel::BestAccuracyColumn);
    const double accuracy = text.isEmpty() ? -1.0 : text.toDouble();
    QVERIFY2(accuracy <= previous, qPrintable(QStringLiteral("row %1: %2 after %3").arg(row).arg(accuracy).arg(previous)));
    previous = accuracy;
  }

  // Three runs compared: the arguments that differ, and their curves overlaid.
  const QStringList three{dirOf(view, "lenet-lr0.1-batch-size16"), dirOf(view, "lenet-lr0.05-batch-size32"),
                          dirOf(view, "lenet-branch")};
  view.selectDirs(three);
  QCOMPARE(view.selectedDirs().size(), 3);
  QTableWidget* diff = view.differences();
  QCOMPARE(diff->columnCount(), 3);
  QStringList differing;
  for (int r = 0; r < diff->rowCount(); ++r) differing << diff->verticalHeaderItem(r)->text();
  QCOMPARE(differing, (QStringList{"--batch-size", "--num-epochs", "--lr", "--load-epoch", "--load-prefix"}));
  QSignalSpy overlay(&view, &RunsView::overlayRequested);
  for (QPushButton* b : view.findChildren<QPushButton*>())
    if (b->text() == QStringLiteral("Overlay in charts")) b->click();
  QCOMPARE(overlay.count(), 1);
  QCOMPARE(overlay.at(0).at(0).toStringList().size(), 3);

  // The branch hangs under its parent in the tree.
  auto* tree = view.findChild<QTreeWidget*>();
  QVERIFY(tree != nullptr);
  const QList<QTreeWidgetItem*> branch = tree->findItems(QStringLiteral("lenet-branch"), Qt::MatchRecursive);
  QCOMPARE(branch.size(), 1);
  QVERIFY(branch.front()->parent() != nullptr);
  QCOMPARE(branch.front()->parent()->text(0), QStringLiteral("lenet-lr0.05-batch-size32"));

  // The filter's words.
  view.filter()->setText(QStringLiteral("diverged"));
  QCOMPARE(view.table()->model()->rowCount(), 1);
  view.filter()->setText(QStringLiteral("lr=0.1 batch-size=16"));
  QCOMPARE(view.table()->model()->rowCount(), 1);
  view.filter()->clear();

  // A name and tags, kept in run.json; an archived run leaves the table.
  const QString renamed = dirOf(view, "lenet-lr0.02-batch-size64");
  view.setNotes(renamed, {"small steps", {"keep"}, "the one to continue", false});
  QTRY_VERIFY_WITH_TIMEOUT(rowOf(view, "small steps") >= 0, kWaitMs);
  QVERIFY(QFile::exists(renamed + "/run.json"));
  view.setArchived({dirOf(view, "mlp-diverged")}, true);
  QTRY_COMPARE_WITH_TIMEOUT(view.table()->model()->rowCount(), 13, kWaitMs);
  QCOMPARE(view.model()->rowCount(), 14);

  // Exports: the visible table, and the selected runs' curves in long format.
  QVERIFY(view.exportTable(tmp.filePath("runs.csv")).isEmpty());
  QFile table(tmp.filePath("runs.csv"));
  QVERIFY(table.open(QIODevice::ReadOnly));
  QCOMPARE(table.readAll().count('\n'), 14);  // the header and 13 visible runs
  view.selectDirs(three);
  QVERIFY(view.exportCurves(tmp.filePath("curves.csv")).isEmpty());
  QFile curves(tmp.filePath("curves.csv"));
  QVERIFY(curves.open(QIODevice::ReadOnly));
  QVERIFY(curves.readLine().startsWith("run,dir,kind,epoch,batch,num_update,metric,value"));
  QVERIFY(curves.readAll().contains("lenet-branch,"));

  // Delete: the files are listed (its checkpoints among them) and go.
  const QString doomed = dirOf(view, "lenet-lr0.01-batch-size16");
  view.deleteRun(doomed);
  QVERIFY(view.shownFiles.contains(QDir::toNativeSeparators(doomed + "/metrics.jsonl")));
  QVERIFY(view.shownFiles.contains(QDir::toNativeSeparators(doomed + "/lenet-0002.params")));
  QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 13, kWaitMs);
  QVERIFY(!QFileInfo::exists(doomed));
}

void TestRunsView::followsRunsAsTheyWriteAppearAndDie() {
  QTemporaryDir tmp;
  const QString ws = tmp.filePath("ws");
  QVERIFY(writeRunDir(ws + "/done", 2, 5));
  RunsView view;
  view.openWorkspace(ws);
  QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 1, kWaitMs);

  // A run another program starts: it appears, and its epochs show as it writes them.
  const QString live = ws + "/live";
  QDir().mkpath(live);
  std::ofstream(live.toStdString() + "/config.json") << R"({"network": "mlp", "num-epochs": 3})";
  {
    fitbench::RunRecordWriter writer(fitbench::run_records_path(live.toStdString()));
    writer.write(fitbench::StartRecord{1.8e9, 0, 3});
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 2, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, rowOf(view, "live"), RunsModel::StatusColumn), QStringLiteral("running"),
                              kWaitMs);
    writer.write(fitbench::EpochRecord{0, 10, 1.0, 0.1, {{"accuracy", 0.5}}, {{"accuracy", 0.75}}});
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, rowOf(view, "live"), RunsModel::EpochsColumn), QStringLiteral("1 / 3"),
                              kWaitMs);
    QCOMPARE(cell(view, rowOf(view, "live"), RunsModel::BestAccuracyColumn), QStringLiteral("0.7500"));
    // issue 13: numbered as the checkpoint table numbers it (Epoch[0] saves epoch 1), not "0".
    QCOMPARE(cell(view, rowOf(view, "live"), RunsModel::BestEpochColumn), QStringLiteral("1"));
  }
  // Its writer is gone without an end record: the process died.
  QTRY_COMPARE_WITH_TIMEOUT(cell(view, rowOf(view, "live"), RunsModel::StatusColumn), QStringLiteral("interrupted"),
                            kWaitMs);
  // Removed by someone else: the row goes.
  QDir(live).removeRecursively();
  QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 1, kWaitMs);

  // A workspace whose folder the first run makes: its runs appear all the same.
  const QString later = tmp.filePath("later");
  view.openWorkspace(later);
  QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 0, kWaitMs);
  QVERIFY(writeRunDir(later + "/first", 1, 5));
  QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 1, kWaitMs);
  QVERIFY(writeRunDir(later + "/second", 1, 5));
  QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 2, kWaitMs);
}

void TestRunsView::staysResponsiveWithFiveHundredRuns() {
  QTemporaryDir tmp;
  const QString ws = tmp.filePath("ws");
  for (int i = 0; i < 500; ++i) QVERIFY(writeRunDir(ws + QStringLiteral("/run-%1").arg(i, 3, 10, QChar('0')), 3, 50));
  RunsView view;
  view.resize(1200, 700);
  view.show();
  // The longest gap between two ticks of a 5 ms timer: how long the event loop was held.
  QElapsedTimer sinceTick;
  qint64 longestStall = 0;
  QTimer tick;
  tick.setInterval(5);
  connect(&tick, &QTimer::timeout, &view, [&] {
    longestStall = std::max(longestStall, sinceTick.restart());
  });
  QElapsedTimer clock;
  clock.start();
  sinceTick.start();
  tick.start();
  view.openWorkspace(ws);
  QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 500, 60000);
  const qint64 openMs = clock.elapsed();
  const qint64 openStall = longestStall;

  // A live run among them, writing a record every 10 ms for 2 s.
  longestStall = 0;
  sinceTick.restart();
  {
    fitbench::RunRecordWriter writer(fitbench::run_records_path((ws + "/run-007").toStdString()));
    for (int i = 0; i < 200; ++i) {
      writer.write(fitbench::BatchRecord{3, i, 150 + i, 0.1, 0.5, 1000.0, {}});
      QTest::qWait(10);
    }
    QTRY_VERIFY_WITH_TIMEOUT(cell(view, rowOf(view, "run-007"), RunsModel::StatusColumn) == "running", kWaitMs);
  }
  qInfo("500 runs: open %lld ms (longest stall %lld ms); during a live run's updates the longest stall was %lld ms",
        static_cast<long long>(openMs), static_cast<long long>(openStall), static_cast<long long>(longestStall));
  QCOMPARE(view.model()->rowCount(), 500);
}

QTEST_MAIN(TestRunsView)
#include "tst_runsview.moc"
