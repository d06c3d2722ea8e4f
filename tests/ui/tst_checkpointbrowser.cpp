// CheckpointBrowser over a real run directory (fit() for two epochs): the
// table lists the epochs, the summary pane shows the network summary, resume
// and load-arguments emit the run's arguments, branch emits edited arguments
// that train under a new prefix while the original's files stay as they
// were, delete asks (through the overridable hook) and removes only that
// epoch's files, and missing files or directories are reported as text.
// Resume and Branch are off while a run is in progress; a partial checkpoint
// resumes under its run's prefix; a new run branches into a free directory.
#include <QAbstractItemModelTester>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMap>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

#include "CheckpointBrowser.h"
#include "CheckpointModel.h"
#include "ExperimentIo.h"
#include "RunOverlay.h"
#include "checkpoint_fixture.h"
#include "fitbench/checkpoint.h"

namespace {

constexpr int kTimeoutMs = 20000;

// Answers the delete confirmation as the test says, and edits a branch's
// arguments with `branchEdit` (false: cancelled).
class AnsweringBrowser : public CheckpointBrowser {
 public:
  bool answer = false;
  QStringList questions;
  std::function<bool(fitbench::FitArgs&)> branchEdit;
  std::optional<fitbench::FitArgs> branchOffered;
  std::function<bool(OnnxExportChoice&)> exportChoice;
  std::optional<OnnxExportChoice> exportOffered;

 protected:
  bool confirmDelete(const QString& question) override {
    questions << question;
    return answer;
  }
  bool editBranchArguments(fitbench::FitArgs& args) override {
    branchOffered = args;
    return branchEdit(args);
  }
  bool askOnnxExport(OnnxExportChoice& choice) override {
    exportOffered = choice;
    return exportChoice(choice);
  }
};

// Name -> SHA-1 of every file in `dir`.
QMap<QString, QByteArray> fileHashes(const QString& dir) {
  QMap<QString, QByteArray> hashes;
  for (const QString& name : QDir(dir).entryList(QDir::Files)) {
    QFile f(QDir(dir).filePath(name));
    if (f.open(QIODevice::ReadOnly)) hashes[name] = QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha1);
  }
  return hashes;
}

QPushButton* button(const CheckpointBrowser& browser, const char* name) {
  return browser.findChild<QPushButton*>(QString::fromLatin1(name));
}

// Opens `directory` and waits for the scan and the summary of the row the
// browser selects (the last one).
bool openAndWait(CheckpointBrowser& browser, const QString& directory) {
  QSignalSpy loaded(browser.model(), &CheckpointModel::loaded);
  browser.setDirectory(directory);
  if (loaded.isEmpty() && !loaded.wait(kTimeoutMs)) return false;
  if (browser.model()->rowCount() == 0) return true;
  return QTest::qWaitFor([&] { return browser.selectedRow() >= 0 && !browser.isLoadingDetails(); },
                         kTimeoutMs);
}

int rowOfEpoch(const CheckpointBrowser& browser, int epoch) {
  for (int row = 0; row < browser.model()->rowCount(); ++row)
    if (browser.model()->entry(row).epoch == epoch) return row;
  return -1;
}

bool selectAndWait(CheckpointBrowser& browser, int epoch) {
  const int row = rowOfEpoch(browser, epoch);
  if (row < 0) return false;
  browser.selectRow(row);
  return QTest::qWaitFor([&] { return !browser.isLoadingDetails(); }, kTimeoutMs) &&
         browser.selectedRow() == row;
}

}  // namespace

class TestCheckpointBrowser : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void listsAndSummarizes();
  void resumeFromEpoch();
  void loadArguments();
  void branchFromEpoch();
  void branchIntoTheOriginalIsRefused_data();
  void branchIntoTheOriginalIsRefused();
  void runInProgressTurnsResumeAndBranchOff();
  void partialCheckpointResumesUnderItsRun();
  void branchOfANewRun();
  void deleteEpoch();
  void exportToOnnx();
  void actionMessageKeepsTheBrowserInItsDock();
  void showsTheEpochNearestAPickedOne();
  void deleteLastEpochTakesTheSymbol();
  void missingSymbolIsNamed();
  void missingConfigDisablesArguments();
  void emptyOrMissingDirectory_data();
  void emptyOrMissingDirectory();

 private:
  QTemporaryDir m_tmp;
  QString m_run;
  fitbench::FitArgs m_config;
};

void TestCheckpointBrowser::showsTheEpochNearestAPickedOne() {
  CheckpointBrowser browser;
  const auto selectedEpoch = [&] {
    return browser.selectedRow() < 0 ? -1 : browser.model()->entry(browser.selectedRow()).epoch;
  };
  browser.showNearestEpoch(m_run, m_run + QStringLiteral("/lenet"), 1);
  QTRY_COMPARE_WITH_TIMEOUT(selectedEpoch(), 1, 20000);
  // Epoch 7 was never saved: the nearest that was, 2, in the directory already listed.
  browser.showNearestEpoch(m_run, m_run + QStringLiteral("/lenet"), 7);
  QTRY_COMPARE_WITH_TIMEOUT(selectedEpoch(), 2, 20000);
}

// The export writes an ONNX file off the UI thread and says so in the status
// line; one it cannot write is named, and the button is back afterwards.
void TestCheckpointBrowser::exportToOnnx() {
  AnsweringBrowser browser;
  QVERIFY(openAndWait(browser, m_run));
  QVERIFY(selectAndWait(browser, 1));
  QVERIFY(button(browser, "exportOnnxButton")->isEnabled());
  const QString target = m_tmp.filePath(QStringLiteral("exported.onnx"));
  browser.exportChoice = [&](OnnxExportChoice& choice) {
    choice.path = target;
    return true;
  };
  QSignalSpy finished(&browser, &CheckpointBrowser::exportFinished);
  QTest::mouseClick(button(browser, "exportOnnxButton"), Qt::LeftButton);
  QVERIFY(browser.exportOffered.has_value());
  QCOMPARE(browser.exportOffered->path, QDir(m_run).filePath(QStringLiteral("lenet-0001.onnx")));
  QVERIFY(!button(browser, "exportOnnxButton")->isEnabled());
  QVERIFY(finished.wait(kTimeoutMs));
  QCOMPARE(finished.at(0).at(0).toBool(), true);
  QVERIFY2(browser.statusText().contains(QStringLiteral("Exported epoch 1")), qPrintable(browser.statusText()));
  QVERIFY2(browser.statusText().contains(QStringLiteral("input 'pixels'")), qPrintable(browser.statusText()));
  QVERIFY(QFileInfo(target).size() > 1000);
  QVERIFY(button(browser, "exportOnnxButton")->isEnabled());

  const QString unwritable = m_tmp.filePath(QStringLiteral("no-such-directory/model.onnx"));
  browser.exportChoice = [&](OnnxExportChoice& choice) {
    choice.path = unwritable;
    return true;
  };
  browser.exportSelected();
  QVERIFY(finished.wait(kTimeoutMs));
  QCOMPARE(finished.at(1).at(0).toBool(), false);
  QVERIFY2(finished.at(1).at(1).toString().contains(QStringLiteral("no-such-directory")),
           qPrintable(finished.at(1).at(1).toString()));
  QVERIFY(!QFile::exists(unwritable));

  browser.exportChoice = [](OnnxExportChoice&) { return false; };  // cancelled: nothing happens
  browser.exportSelected();
  QCOMPARE(finished.count(), 2);

  // The dialog itself keeps a file in a missing folder from being chosen, and says why.
  OnnxExportDialog dialog({unwritable});
  dialog.accept();
  QCOMPARE(dialog.result(), int(QDialog::Rejected));
  const auto* problem = dialog.findChild<QLabel*>(QStringLiteral("onnxExportProblem"));
  QVERIFY(problem != nullptr && !problem->isHidden());
  QVERIFY2(problem->text().contains(QStringLiteral("does not exist")), qPrintable(problem->text()));
}

// The window puts the browser in a scroll area in its dock: a long wrapped
// message must not make the browser taller than the dock (its buttons would
// scroll out of sight).
void TestCheckpointBrowser::actionMessageKeepsTheBrowserInItsDock() {
  QScrollArea dock;
  dock.setWidgetResizable(true);
  auto* browser = new AnsweringBrowser;
  dock.setWidget(browser);
  dock.resize(380, 640);
  dock.show();
  QVERIFY(openAndWait(*browser, m_run));
  QVERIFY(selectAndWait(*browser, 2));
  const int height = browser->height();
  browser->exportChoice = [&](OnnxExportChoice& choice) {
    choice.path = m_tmp.filePath(QStringLiteral("a-folder-that-is-not-there/with-a-long-name/model.onnx"));
    return true;
  };
  QSignalSpy finished(browser, &CheckpointBrowser::exportFinished);
  browser->exportSelected();
  QVERIFY(finished.wait(kTimeoutMs));
  QCoreApplication::processEvents();
  QVERIFY(!browser->findChild<QLabel*>(QStringLiteral("checkpointActionMessage"))->isHidden());
  QCOMPARE(browser->height(), height);
  QVERIFY(!dock.verticalScrollBar()->isVisible());
}

void TestCheckpointBrowser::initTestCase() {
  QVERIFY(m_tmp.isValid());
  m_run = checkpointtest::makeRun(m_tmp.path());
  QString error;
  const auto config = ExperimentIo::loadJson(m_run + QStringLiteral("/config.json"), &error);
  QVERIFY2(config.has_value(), qPrintable(error));
  m_config = *config;
}

void TestCheckpointBrowser::listsAndSummarizes() {
  CheckpointBrowser browser;
  QAbstractItemModelTester tester(browser.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  browser.show();
  QVERIFY(button(browser, "openDirectoryButton") != nullptr);
  QVERIFY(!button(browser, "resumeButton")->isEnabled());
  QVERIFY(openAndWait(browser, m_run));
  QCOMPARE(browser.model()->rowCount(), 2);
  QCOMPARE(browser.tableView()->model(), browser.model());
  QVERIFY2(browser.statusText().contains(QStringLiteral("2 checkpoint")), qPrintable(browser.statusText()));
  QCOMPARE(browser.model()->entry(browser.selectedRow()).epoch, 2);
  const QString summary = browser.summaryText();
  QVERIFY2(summary.contains(QStringLiteral("Total params")), qPrintable(summary));
  QVERIFY2(summary.contains(QStringLiteral("(32, 1, 28, 28)")), qPrintable(summary));
  QVERIFY2(summary.contains(QStringLiteral("lenet-0002.params")), qPrintable(summary));
  QVERIFY(button(browser, "resumeButton")->isEnabled());
  QVERIFY(button(browser, "loadArgumentsButton")->isEnabled());
  QVERIFY(button(browser, "evaluateButton")->isEnabled());
  QVERIFY(button(browser, "branchButton")->isEnabled());
  QVERIFY(button(browser, "deleteButton")->isEnabled());

  QVERIFY(selectAndWait(browser, 1));
  QVERIFY(browser.summaryText().contains(QStringLiteral("lenet-0001.params")));
  QVERIFY(browser.summaryText().contains(QStringLiteral("Total params")));
}

void TestCheckpointBrowser::resumeFromEpoch() {
  CheckpointBrowser browser;
  QVERIFY(openAndWait(browser, m_run));
  QVERIFY(selectAndWait(browser, 2));
  std::optional<fitbench::FitArgs> emitted;
  int count = 0;
  connect(&browser, &CheckpointBrowser::resumeRequested, this, [&](const fitbench::FitArgs& args) {
    emitted = args;
    ++count;
  });
  QTest::mouseClick(button(browser, "resumeButton"), Qt::LeftButton);
  QCOMPARE(count, 1);
  QVERIFY(emitted.has_value());
  QCOMPARE(emitted->get_int("load-epoch"), 2);
  const QString prefix = QDir(m_run).absoluteFilePath(QStringLiteral("lenet"));
  QCOMPARE(QString::fromStdString(emitted->get_string("model-prefix")), prefix);
  fitbench::FitArgs expected = m_config;
  expected.set("load-epoch", "2");
  expected.set("model-prefix", prefix.toStdString());
  QVERIFY2(*emitted == expected, emitted->namespace_repr().c_str());
  QCOMPARE(emitted->get_string("network"), std::string("mlp"));

  QVERIFY(selectAndWait(browser, 1));
  browser.resumeSelected();
  QCOMPARE(count, 2);
  QCOMPARE(emitted->get_int("load-epoch"), 1);
}

void TestCheckpointBrowser::loadArguments() {
  CheckpointBrowser browser;
  QVERIFY(openAndWait(browser, m_run));
  std::optional<fitbench::FitArgs> emitted;
  connect(&browser, &CheckpointBrowser::argumentsRequested, this,
          [&](const fitbench::FitArgs& args) { emitted = args; });
  QTest::mouseClick(button(browser, "loadArgumentsButton"), Qt::LeftButton);
  QVERIFY(emitted.has_value());
  QVERIFY(*emitted == m_config);
  QVERIFY(!emitted->is_set("load-epoch"));
  QCOMPARE(emitted->get_int("num-epochs"), 2);
}

void TestCheckpointBrowser::branchFromEpoch() {
  const QString dir = m_tmp.filePath(QStringLiteral("original"));
  QVERIFY(checkpointtest::copyRun(m_run, dir));
  AnsweringBrowser browser;
  browser.branchEdit = [](fitbench::FitArgs& args) {
    args.set("lr", "0.01");
    return true;
  };
  QVERIFY(openAndWait(browser, dir));
  QVERIFY(selectAndWait(browser, 1));
  QSignalSpy branched(&browser, &CheckpointBrowser::branchRequested);
  QTest::mouseClick(button(browser, "branchButton"), Qt::LeftButton);
  QCOMPARE(branched.count(), 1);
  QVERIFY(browser.branchOffered.has_value());
  const auto args = branched.at(0).at(0).value<fitbench::FitArgs>();
  QCOMPARE(branched.at(0).at(1).toString(), dir);
  const QString originalPrefix = QDir(dir).absoluteFilePath(QStringLiteral("lenet"));
  const QString branchDir = m_tmp.filePath(QStringLiteral("original-branch-e1"));
  QCOMPARE(args.get_int("load-epoch"), 1);
  QCOMPARE(QString::fromStdString(args.get_string("load-prefix")), originalPrefix);
  QCOMPARE(QString::fromStdString(args.get_string("model-prefix")), QDir(branchDir).filePath(QStringLiteral("lenet")));
  QCOMPARE(args.get_float("lr"), 0.01);
  QVERIFY(!args.is_set("run-dir"));
  // Everything else is the original run's.
  fitbench::FitArgs expected = m_config;
  for (const char* name : {"load-epoch", "load-prefix", "model-prefix", "lr"}) expected.set(name, args.get_string(name));
  QVERIFY2(args == expected, args.namespace_repr().c_str());

  // Trained, the branch loads epoch 1 of the original and saves epoch 2 in
  // its own directory; the original's files stay byte for byte.
  const QMap<QString, QByteArray> before = fileHashes(dir);
  fitbench::FitOptions quiet;
  quiet.log_to_stderr = false;
  fitbench::fit(args, quiet);
  QCOMPARE(fileHashes(dir), before);
  QVERIFY(QFile::exists(branchDir + QStringLiteral("/lenet-0002.params")));
  QVERIFY(QFile::exists(branchDir + QStringLiteral("/lenet-0002.states")));
  QVERIFY(!QFile::exists(branchDir + QStringLiteral("/lenet-0001.params")));
  QVERIFY(QFile::exists(branchDir + QStringLiteral("/config.json")));
  // Its curve starts where the original's stood after epoch 1 (its update
  // count continues from the .states), so drawn with the original as an
  // overlay it branches off at that iteration.
  QString error;
  const auto original = RunOverlay::load(dir, &error);
  QVERIFY2(original.has_value(), qPrintable(error));
  const auto branch = RunOverlay::load(branchDir, &error);
  QVERIFY2(branch.has_value(), qPrintable(error));
  const double branchPoint = original->metrics().epochs().at(0).second;
  QVERIFY(branchPoint > 0);
  QVERIFY(branch->metrics().series().value(RunMetrics::loss()).first().x() > branchPoint);
  QCOMPARE(branch->metrics().epochs().at(0).second, original->metrics().epochs().at(1).second);

  // A second branch of the same epoch gets a directory of its own.
  QTest::mouseClick(button(browser, "branchButton"), Qt::LeftButton);
  QCOMPARE(branched.count(), 2);
  QCOMPARE(QString::fromStdString(branched.at(1).at(0).value<fitbench::FitArgs>().get_string("model-prefix")),
           m_tmp.filePath(QStringLiteral("original-branch-e1-2/lenet")));

  // Cancelling the dialog emits nothing.
  browser.branchEdit = [](fitbench::FitArgs&) { return false; };
  browser.branchSelected();
  QCOMPARE(branched.count(), 2);
}

void TestCheckpointBrowser::branchIntoTheOriginalIsRefused_data() {
  QTest::addColumn<QString>("argument");
  QTest::addColumn<QString>("value");  // relative to the original run directory
  QTest::newRow("model-prefix") << QStringLiteral("model-prefix") << QStringLiteral("other");
  QTest::newRow("run-dir") << QStringLiteral("run-dir") << QStringLiteral(".");
}

void TestCheckpointBrowser::branchIntoTheOriginalIsRefused() {
  QFETCH(QString, argument);
  QFETCH(QString, value);
  AnsweringBrowser browser;
  browser.branchEdit = [&](fitbench::FitArgs& args) {
    args.set(argument.toStdString(), QDir(m_run).filePath(value).toStdString());
    return true;
  };
  QVERIFY(openAndWait(browser, m_run));
  QSignalSpy branched(&browser, &CheckpointBrowser::branchRequested);
  browser.branchSelected();
  QCOMPARE(branched.count(), 0);
  QVERIFY2(browser.statusText().contains(QStringLiteral("--") + argument), qPrintable(browser.statusText()));
  QVERIFY(browser.statusText().contains(QStringLiteral("original run's directory")));
}

void TestCheckpointBrowser::runInProgressTurnsResumeAndBranchOff() {
  AnsweringBrowser browser;
  browser.branchEdit = [](fitbench::FitArgs&) { return true; };
  QVERIFY(openAndWait(browser, m_run));
  QVERIFY(button(browser, "resumeButton")->isEnabled() && button(browser, "branchButton")->isEnabled());
  browser.setRunInProgress(true);
  for (const char* name : {"resumeButton", "branchButton"}) {
    QVERIFY2(!button(browser, name)->isEnabled(), name);
    QVERIFY2(button(browser, name)->toolTip().contains(QStringLiteral("in progress (paused or not)")), name);
  }
  // What does not start a run stays on.
  QVERIFY(button(browser, "evaluateButton")->isEnabled() &&
          button(browser, "loadArgumentsButton")->isEnabled());
  QSignalSpy resumed(&browser, &CheckpointBrowser::resumeRequested);
  QSignalSpy branched(&browser, &CheckpointBrowser::branchRequested);
  browser.resumeSelected();
  browser.branchSelected();
  QCOMPARE(resumed.count() + branched.count(), 0);
  browser.setRunInProgress(false);
  QVERIFY(button(browser, "resumeButton")->isEnabled() && button(browser, "branchButton")->isEnabled());
  QVERIFY(!button(browser, "resumeButton")->toolTip().contains(QStringLiteral("in progress")));
}

// A stop's partial checkpoint ("lenet-partial-0001") loads through
// --load-prefix and goes on saving under the run's own prefix.
void TestCheckpointBrowser::partialCheckpointResumesUnderItsRun() {
  const QString dir = m_tmp.filePath(QStringLiteral("partial"));
  QVERIFY(checkpointtest::copyRun(m_run, dir));
  QVERIFY(QFile::copy(dir + QStringLiteral("/lenet-0001.params"),
                      dir + QStringLiteral("/lenet-partial-0001.params")));
  QVERIFY(QFile::copy(dir + QStringLiteral("/lenet-symbol.json"),
                      dir + QStringLiteral("/lenet-partial-symbol.json")));
  CheckpointBrowser browser;
  QVERIFY(openAndWait(browser, dir));
  QCOMPARE(browser.model()->rowCount(), 3);
  int row = 0;
  while (browser.model()->entry(row).prefixName != QStringLiteral("lenet-partial")) ++row;
  browser.selectRow(row);
  QVERIFY(QTest::qWaitFor([&] { return !browser.isLoadingDetails(); }, kTimeoutMs));
  QSignalSpy resumed(&browser, &CheckpointBrowser::resumeRequested);
  browser.resumeSelected();
  QCOMPARE(resumed.count(), 1);
  const auto args = resumed.at(0).at(0).value<fitbench::FitArgs>();
  const QString prefix = QDir(dir).absoluteFilePath(QStringLiteral("lenet"));
  QCOMPARE(QString::fromStdString(args.get_string("model-prefix")), prefix);
  QCOMPARE(QString::fromStdString(args.get_string("load-prefix")), prefix + QStringLiteral("-partial"));
  QCOMPARE(args.get_int("load-epoch"), 1);
  // Epoch 2 of the run is saved already: its resume would write over it.
  QCOMPARE(fitbench::checkpoint_files_overwritten(fitbench::FitConfig::resolve(args)).size(), size_t(2));
}

// A new run over a prefix that holds checkpoints moves to "<run>-2", "<run>-3", ...
void TestCheckpointBrowser::branchOfANewRun() {
  const QString dir = m_tmp.filePath(QStringLiteral("fresh"));
  QVERIFY(QDir().mkpath(dir));
  fitbench::FitArgs args = m_config;
  args.set("model-prefix", (dir + QStringLiteral("/lenet")).toStdString());
  args.set("run-dir", dir.toStdString());
  const fitbench::FitArgs branch = CheckpointBrowser::branchArguments(args);
  QCOMPARE(QString::fromStdString(branch.get_string("model-prefix")),
           m_tmp.filePath(QStringLiteral("fresh-2/lenet")));
  QVERIFY(!branch.is_set("load-prefix") && !branch.is_set("load-epoch") && !branch.is_set("run-dir"));
  QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("fresh-2"))));
  QCOMPARE(QString::fromStdString(CheckpointBrowser::branchArguments(args).get_string("model-prefix")),
           m_tmp.filePath(QStringLiteral("fresh-3/lenet")));
}

void TestCheckpointBrowser::deleteEpoch() {
  const QString dir = m_tmp.filePath(QStringLiteral("delete"));
  QVERIFY(checkpointtest::copyRun(m_run, dir));
  AnsweringBrowser browser;
  QAbstractItemModelTester tester(browser.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  QVERIFY(openAndWait(browser, dir));
  QVERIFY(selectAndWait(browser, 1));
  const QString params = dir + QStringLiteral("/lenet-0001.params");
  const QString states = dir + QStringLiteral("/lenet-0001.states");
  const QString symbol = dir + QStringLiteral("/lenet-symbol.json");

  browser.answer = false;  // "No": nothing changes
  QTest::mouseClick(button(browser, "deleteButton"), Qt::LeftButton);
  QCOMPARE(browser.questions.size(), 1);
  QVERIFY(browser.questions.first().contains(QStringLiteral("lenet-0001.params")));
  QVERIFY(browser.questions.first().contains(QStringLiteral("lenet-0001.states")));
  QVERIFY(!browser.questions.first().contains(QStringLiteral("symbol")));
  QVERIFY(QFile::exists(params));
  QVERIFY(QFile::exists(states));

  browser.answer = true;
  QSignalSpy deleted(&browser, &CheckpointBrowser::checkpointDeleted);
  QSignalSpy loaded(browser.model(), &CheckpointModel::loaded);
  QTest::mouseClick(button(browser, "deleteButton"), Qt::LeftButton);
  QCOMPARE(deleted.count(), 1);
  QCOMPARE(deleted.at(0).at(1).toInt(), 1);
  QVERIFY(!QFile::exists(params));
  QVERIFY(!QFile::exists(states));
  QVERIFY(QFile::exists(symbol));  // epoch 2 still needs it
  QVERIFY(QFile::exists(dir + QStringLiteral("/lenet-0002.params")));
  QVERIFY(QFile::exists(dir + QStringLiteral("/lenet-0002.states")));
  QVERIFY(loaded.wait(kTimeoutMs));
  QCOMPARE(browser.model()->rowCount(), 1);
  QCOMPARE(browser.model()->entry(0).epoch, 2);
}

void TestCheckpointBrowser::deleteLastEpochTakesTheSymbol() {
  const QString dir = m_tmp.filePath(QStringLiteral("delete-last"));
  QVERIFY(checkpointtest::copyRun(m_run, dir));
  QVERIFY(QFile::remove(dir + QStringLiteral("/lenet-0001.params")));
  AnsweringBrowser browser;
  browser.answer = true;
  QVERIFY(openAndWait(browser, dir));
  QCOMPARE(browser.model()->rowCount(), 1);
  QSignalSpy loaded(browser.model(), &CheckpointModel::loaded);
  browser.deleteSelected();
  QVERIFY(browser.questions.first().contains(QStringLiteral("lenet-symbol.json")));
  QVERIFY(!QFile::exists(dir + QStringLiteral("/lenet-0002.params")));
  QVERIFY(!QFile::exists(dir + QStringLiteral("/lenet-symbol.json")));
  QVERIFY(QFile::exists(dir + QStringLiteral("/config.json")));
  QVERIFY(loaded.wait(kTimeoutMs));
  QCOMPARE(browser.model()->rowCount(), 0);
  QVERIFY(browser.statusText().contains(QStringLiteral("No checkpoints")));
  QVERIFY(!button(browser, "deleteButton")->isEnabled());
}

void TestCheckpointBrowser::missingSymbolIsNamed() {
  const QString dir = m_tmp.filePath(QStringLiteral("nosymbol"));
  QVERIFY(checkpointtest::copyRun(m_run, dir));
  QVERIFY(QFile::remove(dir + QStringLiteral("/lenet-symbol.json")));
  CheckpointBrowser browser;
  QVERIFY(openAndWait(browser, dir));
  QVERIFY2(browser.summaryText().contains(QStringLiteral("lenet-symbol.json")),
           qPrintable(browser.summaryText()));
  QVERIFY(!browser.summaryText().contains(QStringLiteral("Total params")));

  // A symbol file that is not JSON.
  QFile symbol(dir + QStringLiteral("/lenet-symbol.json"));
  QVERIFY(symbol.open(QIODevice::WriteOnly));
  symbol.write("{\"nodes\": [");
  symbol.close();
  QVERIFY(selectAndWait(browser, 1));
  QVERIFY2(browser.summaryText().contains(QStringLiteral("lenet-symbol.json")),
           qPrintable(browser.summaryText()));
}

void TestCheckpointBrowser::missingConfigDisablesArguments() {
  const QString dir = m_tmp.filePath(QStringLiteral("noconfig"));
  QVERIFY(checkpointtest::copyRun(m_run, dir));
  QVERIFY(QFile::remove(dir + QStringLiteral("/config.json")));
  CheckpointBrowser browser;
  QVERIFY(openAndWait(browser, dir));
  QVERIFY2(browser.summaryText().contains(QStringLiteral("config.json")), qPrintable(browser.summaryText()));
  // The network is still summarized, for the default data shape.
  QVERIFY(browser.summaryText().contains(QStringLiteral("Total params")));
  QVERIFY(!button(browser, "resumeButton")->isEnabled());
  QVERIFY(!button(browser, "loadArgumentsButton")->isEnabled());
  QVERIFY(!button(browser, "evaluateButton")->isEnabled());
  QVERIFY(!button(browser, "branchButton")->isEnabled());
  QVERIFY(button(browser, "deleteButton")->isEnabled());
}

void TestCheckpointBrowser::emptyOrMissingDirectory_data() {
  QTest::addColumn<QString>("name");
  QTest::addColumn<QString>("expected");
  QTest::newRow("missing") << QStringLiteral("nowhere") << QStringLiteral("does not exist");
  QTest::newRow("empty") << QStringLiteral("empty-dir") << QStringLiteral("No checkpoints");
}

void TestCheckpointBrowser::emptyOrMissingDirectory() {
  QFETCH(QString, name);
  QFETCH(QString, expected);
  const QString dir = m_tmp.filePath(name);
  if (name == QLatin1String("empty-dir")) QVERIFY(QDir().mkpath(dir));
  CheckpointBrowser browser;
  QVERIFY(openAndWait(browser, m_run));
  QVERIFY(openAndWait(browser, dir));
  QCOMPARE(browser.model()->rowCount(), 0);
  QVERIFY2(browser.statusText().contains(expected), qPrintable(browser.statusText()));
  QVERIFY(browser.statusText().contains(QDir::toNativeSeparators(dir)));
  QVERIFY(browser.summaryText().isEmpty());
  QVERIFY(!button(browser, "resumeButton")->isEnabled());
  QVERIFY(!button(browser, "deleteButton")->isEnabled());
}

QTEST_MAIN(TestCheckpointBrowser)
#include "tst_checkpointbrowser.moc"
