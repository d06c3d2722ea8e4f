// ExperimentIo: experiment JSON files (round trip, errors that name the file)
// and command lines (pasting fit.py / fitbench-cli lines, the equivalent
// fitbench-cli line).
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "ExperimentIo.h"
#include "ExperimentPresets.h"
#include "fitbench/fit.h"
#include "fitbench/fit_args.h"

namespace {

QByteArray diff(const fitbench::FitArgs& a, const fitbench::FitArgs& b) {
  QStringList out;
  for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
    if (a.raw(spec.name) != b.raw(spec.name)) {
      out << QStringLiteral("%1: %2 vs %3")
                 .arg(QString::fromStdString(spec.name),
                      QString::fromStdString(a.raw(spec.name).value_or("None")),
                      QString::fromStdString(b.raw(spec.name).value_or("None")));
    }
  }
  return out.join(QStringLiteral("; ")).toUtf8();
}

void writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  QCOMPARE(file.write(bytes), bytes.size());
}

fitbench::FitArgs withSettings(fitbench::FitArgs args, const QStringList& settings) {
  for (const QString& setting : settings) {
    const qsizetype eq = setting.indexOf(QLatin1Char('='));
    args.set(setting.left(eq).toStdString(), setting.mid(eq + 1).toStdString());
  }
  return args;
}

}  // namespace

class TestExperimentIo : public QObject {
  Q_OBJECT

 private slots:
  void jsonRoundTrip_data();
  void jsonRoundTrip();
  void jsonKeepsNone();
  void badFilesNameTheFileAndReason_data();
  void badFilesNameTheFileAndReason();
  void saveErrorNamesTheFile();
  void pasteCommandLine_data();
  void pasteCommandLine();
  void pasteErrors_data();
  void pasteErrors();
  void commandLineRoundTrip_data();
  void commandLineRoundTrip();
  void commandLineSaysWhatItCannotWrite();

 private:
  QTemporaryDir m_tmp;
};

void TestExperimentIo::jsonRoundTrip_data() {
  QTest::addColumn<QString>("preset");
  for (const ExperimentPresets::Preset& preset : ExperimentPresets::all())
    QTest::newRow(qPrintable(preset.name)) << preset.name;
}

void TestExperimentIo::jsonRoundTrip() {
  QFETCH(QString, preset);
  QVERIFY(m_tmp.isValid());
  const fitbench::FitArgs args = ExperimentPresets::find(preset)->args;
  const QString path = m_tmp.filePath(QStringLiteral("round-trip.json"));
  QCOMPARE(ExperimentIo::saveJson(path, args), QString());
  QString error;
  const std::optional<fitbench::FitArgs> loaded = ExperimentIo::loadJson(path, &error);
  QVERIFY2(loaded.has_value(), qPrintable(error));
  QVERIFY2(*loaded == args, diff(*loaded, args).constData());
  // No temporary file is left beside it.
  QCOMPARE(QDir(m_tmp.path()).entryList(QDir::Files), QStringList{QStringLiteral("round-trip.json")});
  // It is FitArgs::to_json, as a run's config.json.
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QByteArray bytes = file.readAll();
  QVERIFY(nlohmann::json::parse(bytes.constBegin(), bytes.constEnd()) == args.to_json());
}

void TestExperimentIo::jsonKeepsNone() {
  fitbench::FitArgs args = fitbench::train_mnist_defaults();
  args.unset("lr-step-epochs");
  args.set("model-prefix", "runs/with space/it's");
  args.set("clip-gradient", "-2.5");
  const QString path = m_tmp.filePath(QStringLiteral("none.json"));
  QCOMPARE(ExperimentIo::saveJson(path, args), QString());
  QString error;
  const auto loaded = ExperimentIo::loadJson(path, &error);
  QVERIFY2(loaded.has_value(), qPrintable(error));
  QVERIFY2(*loaded == args, diff(*loaded, args).constData());
  QVERIFY(!loaded->is_set("lr-step-epochs"));
}

void TestExperimentIo::badFilesNameTheFileAndReason_data() {
  QTest::addColumn<QByteArray>("content");
  QTest::addColumn<QString>("reason");
  QTest::newRow("corrupt JSON") << QByteArray("{\"lr\": 0.1,,}") << "parse error at line 1";
  QTest::newRow("truncated JSON") << QByteArray("{\"lr\": 0.1, \"network\": \"le") << "parse error";
  QTest::newRow("not an object") << QByteArray("[1, 2]") << "fit arguments must be a JSON object, got array";
  QTest::newRow("unknown argument") << QByteArray("{\"bogus\": 1}") << "unknown argument: --bogus";
  QTest::newRow("bad value") << QByteArray("{\"batch-size\": 0}")
                             << "argument --batch-size: must be >= 1, got 0";
  QTest::newRow("bad type") << QByteArray("{\"lr\": [1]}")
                            << "argument --lr: expected a number, a string or null";
  QTest::newRow("empty file") << QByteArray() << "parse error";
}

void TestExperimentIo::badFilesNameTheFileAndReason() {
  QFETCH(QByteArray, content);
  QFETCH(QString, reason);
  const QString path = m_tmp.filePath(QStringLiteral("bad experiment.json"));
  writeFile(path, content);
  QString error;
  QVERIFY(!ExperimentIo::loadJson(path, &error).has_value());
  QVERIFY2(error.startsWith(QStringLiteral("Cannot open the experiment ") + QDir::toNativeSeparators(path) +
                            QStringLiteral(": ")),
           qPrintable(error));
  QVERIFY2(error.contains(reason), qPrintable(error));
  QVERIFY2(!error.contains(QStringLiteral("[json.exception")), qPrintable(error));
  QVERIFY(!error.contains(QLatin1Char('\n')));
}

void TestExperimentIo::saveErrorNamesTheFile() {
  const QString missing = m_tmp.filePath(QStringLiteral("no-such-dir/experiment.json"));
  QString error;
  QVERIFY(!ExperimentIo::loadJson(missing, &error).has_value());
  QVERIFY2(error.contains(missing), qPrintable(error));

  QVERIFY(!ExperimentIo::loadJson(m_tmp.path(), &error).has_value());
  QVERIFY2(error.contains(QStringLiteral("directory")), qPrintable(error));

  error = ExperimentIo::saveJson(missing, fitbench::FitArgs());
  QVERIFY2(error.startsWith(QStringLiteral("Cannot save the experiment to ") + missing), qPrintable(error));
}

void TestExperimentIo::pasteCommandLine_data() {
  QTest::addColumn<QString>("line");
  QTest::addColumn<QStringList>("settings");  // on top of train_mnist.py's defaults
  const QStringList lenet = {"network=lenet",
                             "gpus=0",
                             "batch-size=64",
                             "lr=0.05",
                             "num-epochs=10",
                             "lr-step-epochs=5",
                             "model-prefix=runs/lenet/lenet"};
  QTest::newRow("train_mnist.py")
      << "python train_mnist.py --network lenet --gpus 0 --batch-size 64 --lr 0.05 "
         "--num-epochs 10 --lr-step-epochs 5 --model-prefix runs/lenet/lenet"
      << lenet;
  QTest::newRow("python3 -u, continuation lines")
      << "python3 -u example/image-classification/train_mnist.py \\\n  --network lenet --gpus 0 \\\n"
         "  --batch-size 64 --lr=0.05 --num-epochs 10 --lr-step-epochs 5 \\\n  --model-prefix "
         "runs/lenet/lenet\n"
      << lenet;
  QTest::newRow("fitbench-cli with env")
      << "OMP_NUM_THREADS=4 build/app/fitbench-cli --network lenet --gpus 0 "
         "--batch-size 64 --lr 0.05 --num-epochs 10 --lr-step-epochs 5 "
         "--model-prefix 'runs/lenet/lenet'"
      << lenet;
  QTest::newRow("options only") << "--network resnet --num-layers 20 --kv-store local"
                                << QStringList{"network=resnet", "num-layers=20", "kv-store=local"};
  QTest::newRow("program only") << "fitbench-cli" << QStringList{};
  QTest::newRow("quoted, negative") << "fitbench-cli --model-prefix \"runs/my run/x\" --clip-gradient=-2"
                                    << QStringList{"model-prefix=runs/my run/x", "clip-gradient=-2"};
}

void TestExperimentIo::pasteCommandLine() {
  QFETCH(QString, line);
  QFETCH(QStringList, settings);
  const fitbench::FitArgs expected = withSettings(fitbench::train_mnist_defaults(), settings);
  fitbench::FitArgs parsed;
  try {
    parsed = ExperimentIo::parseCommandLine(line);
  } catch (const fitbench::Error& e) {
    QFAIL(e.what());
  }
  QVERIFY2(parsed == expected, diff(parsed, expected).constData());
}

void TestExperimentIo::pasteErrors_data() {
  QTest::addColumn<QString>("line");
  QTest::addColumn<QString>("error");
  QTest::newRow("bad value") << "fitbench-cli --lr abc"
                             << "argument --lr: invalid float value: 'abc'";
  QTest::newRow("unknown option") << "python train_mnist.py --bogus 1"
                                  << "unrecognized arguments: --bogus 1";
  QTest::newRow("missing value") << "fitbench-cli --lr"
                                 << "argument --lr: expected one argument";
  QTest::newRow("open quote") << "fitbench-cli --model-prefix 'runs"
                              << "unterminated ' quote";
  QTest::newRow("bad choice") << "fitbench-cli --kv-store foo"
                              << "argument --kv-store: invalid choice: 'foo'";
}

void TestExperimentIo::pasteErrors() {
  QFETCH(QString, line);
  QFETCH(QString, error);
  try {
    ExperimentIo::parseCommandLine(line);
    QFAIL("no error");
  } catch (const fitbench::ArgError& e) {
    const QString what = QString::fromUtf8(e.what());
    QVERIFY2(what.startsWith(error), qPrintable(what));
    QVERIFY(!what.contains(QLatin1Char('\n')));
  }
}

void TestExperimentIo::commandLineRoundTrip_data() {
  QTest::addColumn<QStringList>("settings");  // on top of the schema's defaults
  QTest::addColumn<bool>("fromTrainMnist");
  for (const ExperimentPresets::Preset& preset : ExperimentPresets::all()) {
    QStringList settings;
    for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
      if (preset.args.is_set(spec.name))
        settings << QString::fromStdString(spec.name + "=" + *preset.args.raw(spec.name));
    }
    QTest::newRow(qPrintable(preset.name)) << settings << false;
  }
  QTest::newRow("quotes and dashes") << QStringList{"model-prefix=runs/it's a \"run\"/x",
                                                    "clip-gradient=-1.5", "min-crop-size=-1",
                                                    "data-train-idx=", "optimizer=Adam"}
                                     << true;
  QTest::newRow("back to schema defaults")
      << QStringList{"batch-size=128", "disp-batches=20", "num-epochs=100", "lr=0.1"} << true;
}

void TestExperimentIo::commandLineRoundTrip() {
  QFETCH(QStringList, settings);
  QFETCH(bool, fromTrainMnist);
  fitbench::FitArgs args =
      withSettings(fromTrainMnist ? fitbench::train_mnist_defaults() : fitbench::FitArgs(), settings);
  // None cannot be written; this check is about the rest.
  for (const QString& name : ExperimentIo::unwritableArgs(args))
    args.set(name.toStdString(), *fitbench::train_mnist_defaults().raw(name.toStdString()));
  const QString line = ExperimentIo::commandLine(args);
  QVERIFY(line.startsWith(QStringLiteral("fitbench-cli")));
  const fitbench::FitArgs parsed = ExperimentIo::parseCommandLine(line);
  QVERIFY2(parsed == args, (line.toUtf8() + " → " + diff(parsed, args)).constData());
  // train_mnist's own defaults are not repeated.
  QCOMPARE(ExperimentIo::commandLine(fitbench::train_mnist_defaults()), QStringLiteral("fitbench-cli"));
}

void TestExperimentIo::commandLineSaysWhatItCannotWrite() {
  const ExperimentPresets::Preset* resnet = ExperimentPresets::find(QStringLiteral("ResNet-20 CIFAR shape"));
  QVERIFY(resnet);
  QCOMPARE(ExperimentIo::unwritableArgs(resnet->args), QStringList{QStringLiteral("num-examples")});
  const QString line = ExperimentIo::commandLine(resnet->args);
  QVERIFY2(line.contains(QStringLiteral(" --batch-size 128")), qPrintable(line));  // not fitbench-cli's 64
  QVERIFY2(line.contains(QStringLiteral(" --lr-step-epochs 200,250")), qPrintable(line));
  QVERIFY(ExperimentIo::unwritableArgs(fitbench::train_mnist_defaults()).isEmpty());
}

QTEST_MAIN(TestExperimentIo)
#include "tst_experimentio.moc"
