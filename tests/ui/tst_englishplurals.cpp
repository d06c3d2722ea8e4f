// EnglishPlurals: "%n file(s)" reads "1 file" and "3 files" once the
// translator is installed, for the application's own messages too, and
// messages without a count are left to Qt.
#include <QtTest>

#include "EnglishPlurals.h"
#include "RunBarState.h"

class TestEnglishPlurals : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QCoreApplication::installTranslator(&m_plurals); }
  void countsPickTheNounsForm_data();
  void countsPickTheNounsForm();
  void applicationMessagesReadAsEnglish();
  void messagesWithoutACountStayAsWritten();

 private:
  EnglishPlurals m_plurals;
};

void TestEnglishPlurals::countsPickTheNounsForm_data() {
  QTest::addColumn<QString>("source");
  QTest::addColumn<int>("n");
  QTest::addColumn<QString>("expected");
  QTest::newRow("one file") << "%n file(s) in %1" << 1 << "1 file in %1";
  QTest::newRow("three files") << "%n file(s) in %1" << 3 << "3 files in %1";
  QTest::newRow("no files") << "%n file(s) in %1" << 0 << "0 files in %1";
  QTest::newRow("one process") << "Runs %n worker process(es)" << 1 << "Runs 1 worker process";
  QTest::newRow("two processes") << "Runs %n worker process(es)" << 2 << "Runs 2 worker processes";
  QTest::newRow("two nouns") << "%n run(s) and their epoch(s)" << 2 << "2 runs and their epochs";
}

void TestEnglishPlurals::countsPickTheNounsForm() {
  QFETCH(QString, source);
  QFETCH(int, n);
  QFETCH(QString, expected);
  QCOMPARE(QCoreApplication::translate("Context", source.toUtf8().constData(), nullptr, n), expected);
}

void TestEnglishPlurals::applicationMessagesReadAsEnglish() {
  RunBarState::Facts facts;
  facts.startsProcesses = true;
  facts.processes = 1;
  QCOMPARE(RunBarState::of(facts).startTip, QStringLiteral("Runs 1 worker process under mpirun"));
  facts.processes = 3;
  QCOMPARE(RunBarState::of(facts).startTip, QStringLiteral("Runs 3 worker processes under mpirun"));
}

void TestEnglishPlurals::messagesWithoutACountStayAsWritten() {
  QCOMPARE(m_plurals.translate("Context", "Retry (s)ome"), QString());
  QCOMPARE(m_plurals.translate("Context", "%n epochs", nullptr, 2), QString());
  QCOMPARE(QCoreApplication::translate("Context", "Open the file(s)"), QStringLiteral("Open the file(s)"));
}

QTEST_MAIN(TestEnglishPlurals)
#include "tst_englishplurals.moc"
