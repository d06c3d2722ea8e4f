// CheckpointBrowser over a real run directory (fit() for two epochs): the
// table lists the epochs, the summary pane shows the network summary, resume
// and load-arguments emit the run's arguments, delete asks (through the
// overridable hook) and removes only that epoch's files, and missing files
// or directories are reported as text.
#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

#include "CheckpointBrowser.h"
#include "CheckpointModel.h"
#include "ExperimentIo.h"
#include "checkpoint_fixture.h"

namespace {

constexpr int kTimeoutMs = 20000;

// Answers the delete confirmation as the test says.
class AnsweringBrowser : public CheckpointBrowser {
 public:
  bool answer = false;
  QStringList questions;

 protected:
  bool confirmDelete(const QString& question) override {
    questions << question;
    return answer;
  }
};

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
  void deleteEpoch();
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
