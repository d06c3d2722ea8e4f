// ArgsForm and ExperimentPresets: every schema argument round-trips through
// its editor, presets round-trip through setArgs()/args() and through the
// editors' text, and invalid values are rejected with the reason. The
// kv-store field explains the type chosen, from KvStoreHelp's table.
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QSet>
#include <QSignalSpy>
#include <QtTest>

#include <optional>
#include <string>

#include "ArgsForm.h"
#include "ElidedLabel.h"
#include "ExperimentPresets.h"
#include "KvStoreHelp.h"
#include "fitbench/fit_args.h"

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// The names of the arguments whose values differ, for failure messages.
QByteArray diff(const fitbench::FitArgs& a, const fitbench::FitArgs& b) {
  QStringList out;
  for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
    if (a.raw(spec.name) != b.raw(spec.name)) {
      out << QStringLiteral("%1: %2 vs %3")
                 .arg(qs(spec.name), qs(a.raw(spec.name).value_or("None")),
                      qs(b.raw(spec.name).value_or("None")));
    }
  }
  return out.join(QStringLiteral("; ")).toUtf8();
}

std::optional<std::string> defaultOf(const std::string& name) { return fitbench::FitArgs().raw(name); }

// A valid value different from the default, as a person would type it.
QString nonDefaultValue(const fitbench::ArgSpec& spec) {
  QStringList candidates;
  for (const std::string& choice : spec.choices) candidates << qs(choice);
  switch (spec.type) {
    case fitbench::ArgType::Int:
      candidates << QStringLiteral("3") << QStringLiteral("1") << QStringLiteral("0") << QStringLiteral("2");
      break;
    case fitbench::ArgType::Float:
      candidates << QStringLiteral("0.5") << QStringLiteral("0.25") << QStringLiteral("2.5");
      break;
    case fitbench::ArgType::String:
      // Paths, lists, a loss, and names the network and optimizer checks accept.
      candidates << QStringLiteral("some/path") << QStringLiteral("1,2,3") << QStringLiteral("5,8")
                 << QStringLiteral("ce") << QStringLiteral("lenet") << QStringLiteral("nag");
      break;
  }
  for (const QString& candidate : candidates) {
    fitbench::FitArgs args;
    try {
      args.set(spec.name, candidate.toStdString());
    } catch (const fitbench::ArgError&) {
      continue;
    }
    if (args.raw(spec.name) != spec.default_value) return candidate;
  }
  return {};
}

// Types `value` into an editor as a person would (key by key), or pastes it.
enum class Entry { typed, pasted };
void enterValue(QWidget* editor, const QString& value, Entry entry = Entry::typed) {
  if (auto* combo = qobject_cast<QComboBox*>(editor)) {
    const int index = combo->findText(value);
    if (index >= 0) {
      combo->setCurrentIndex(index);
      QCOMPARE(combo->currentText(), value);
    } else {
      combo->lineEdit()->selectAll();
      if (entry == Entry::pasted)
        combo->lineEdit()->insert(value);
      else
        QTest::keyClicks(combo->lineEdit(), value);
    }
  } else if (auto* check = qobject_cast<QCheckBox*>(editor)) {
    if (check->isChecked() != (value == QStringLiteral("1"))) check->click();
  } else if (auto* line = qobject_cast<QLineEdit*>(editor)) {
    line->selectAll();
    if (entry == Entry::pasted) {
      line->insert(value);
      if (value.isEmpty()) line->del();
    } else {
      QTest::keyClick(line, Qt::Key_Delete);
      QTest::keyClicks(line, value);
    }
  } else {
    QFAIL("unknown editor type");
  }
}

}  // namespace

class TestArgsForm : public QObject {
  Q_OBJECT

 private slots:
  void groupsFollowTheSchema();
  void editorsHaveHelpAndKind();
  void everyArgumentRoundTrips_data();
  void everyArgumentRoundTrips();
  void noneableFieldsClearToNone();
  void presetsRoundTrip_data();
  void presetsRoundTrip();
  void presetsHaveTheirValues();
  void invalidValuesAreRejected_data();
  void invalidValuesAreRejected();
  void intEditorsRefuseLetters();
  void setArgsClearsErrors();
  void readOnly();
  void filter();
  void kvStoreHelpCoversTheChoices();
  void kvStoreChoiceExplained_data();
  void kvStoreChoiceExplained();
};

void TestArgsForm::groupsFollowTheSchema() {
  ArgsForm form;
  QStringList expected;
  for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
    if (!expected.contains(qs(spec.group))) expected << qs(spec.group);
  }
  QCOMPARE(expected, (QStringList{"Network", "Data", "Augmentation", "Devices & KVStore",
                                  "Optimizer & Schedule", "Checkpoints & Monitor", "Other"}));
  QStringList titles;
  for (QGroupBox* box : form.findChildren<QGroupBox*>()) {
    titles << QString(box->title()).replace(QStringLiteral("&&"), QStringLiteral("&"));  // "&&": no mnemonic
    QCOMPARE(box->objectName(), QStringLiteral("group:") + titles.back());
  }
  QCOMPARE(titles, expected);
  // Each editor sits in its group's box.
  for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
    QWidget* editor = form.findChild<QWidget*>(qs(spec.name));
    QVERIFY2(editor != nullptr, spec.name.c_str());
    auto* box = qobject_cast<QGroupBox*>(editor->parentWidget());
    QVERIFY2(box && box->objectName() == QStringLiteral("group:") + qs(spec.group), spec.name.c_str());
  }
}

void TestArgsForm::editorsHaveHelpAndKind() {
  ArgsForm form;
  for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
    QWidget* editor = form.editorFor(qs(spec.name));
    QVERIFY2(editor != nullptr, spec.name.c_str());
    QVERIFY2(editor->toolTip().contains(qs(spec.help).toHtmlEscaped()), spec.name.c_str());
    if (!spec.choices.empty() || !spec.suggestions.empty()) {
      auto* combo = qobject_cast<QComboBox*>(editor);
      QVERIFY2(combo != nullptr, spec.name.c_str());
      for (const std::string& choice : spec.choices.empty() ? spec.suggestions : spec.choices)
        QVERIFY(combo->findText(qs(choice)) >= 0);
    } else if (spec.type == fitbench::ArgType::Int && qobject_cast<QCheckBox*>(editor) != nullptr) {
      QVERIFY2(spec.validate && spec.validate("2"), spec.name.c_str());  // a check box only for 0/1 flags
    } else {
      QVERIFY2(qobject_cast<QLineEdit*>(editor) != nullptr, spec.name.c_str());
    }
  }
  // Flags are check boxes; None-able fields say so.
  QVERIFY(qobject_cast<QCheckBox*>(form.editorFor(QStringLiteral("benchmark"))));
  QVERIFY(qobject_cast<QCheckBox*>(form.editorFor(QStringLiteral("random-mirror"))));
  // Networks and optimizers are offered, not typed from memory; None stays possible.
  auto* network = qobject_cast<QComboBox*>(form.editorFor(QStringLiteral("network")));
  QVERIFY(network);
  QVERIFY(network->findText(QStringLiteral("resnet")) >= 0);
  QCOMPARE(network->itemText(0), QString());
  auto* optimizer = qobject_cast<QComboBox*>(form.editorFor(QStringLiteral("optimizer")));
  QVERIFY(optimizer && optimizer->findText(QStringLiteral("adam")) >= 0);
  // Paths have a picker inside their field.
  for (const char* path : {"data-train", "data-val-idx", "model-prefix", "load-prefix", "run-dir"})
    QVERIFY2(form.editorFor(QString::fromLatin1(path))->findChild<QAction*>(QStringLiteral("browse:") + path), path);
  QVERIFY(!form.editorFor(QStringLiteral("lr-step-epochs"))->findChild<QAction*>(QStringLiteral("browse:lr-step-epochs")));
}

void TestArgsForm::everyArgumentRoundTrips_data() {
  QTest::addColumn<QString>("name");
  QTest::addColumn<QString>("value");
  for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
    const QString value = nonDefaultValue(spec);
    QVERIFY2(!value.isEmpty(), spec.name.c_str());
    QTest::newRow(spec.name.c_str()) << qs(spec.name) << value;
  }
}

void TestArgsForm::everyArgumentRoundTrips() {
  QFETCH(QString, name);
  QFETCH(QString, value);
  ArgsForm form;
  form.show();
  QVERIFY(QTest::qWaitForWindowExposed(&form));
  QVERIFY(form.args() == fitbench::FitArgs());
  QSignalSpy changed(&form, &ArgsForm::argsChanged);
  QSignalSpy validity(&form, &ArgsForm::validityChanged);

  QWidget* editor = form.findChild<QWidget*>(name);
  QVERIFY(editor != nullptr);
  enterValue(editor, value);

  fitbench::FitArgs expected;
  expected.set(name.toStdString(), value.toStdString());
  QVERIFY2(form.isValid(), qPrintable(form.errors().join(QLatin1Char('\n'))));
  QVERIFY2(form.args() == expected, diff(form.args(), expected).constData());
  QVERIFY(form.args().raw(name.toStdString()) != defaultOf(name.toStdString()));
  QVERIFY(changed.count() >= 1);
  // Typing passes through invalid texts ("" for an int); it ends valid.
  QVERIFY(validity.isEmpty() || validity.last().at(0).toBool());
  QCOMPARE(editor->property("invalid").toBool(), false);

  // And back: setArgs() shows the value, and the defaults come back.
  ArgsForm other;
  other.show();
  QVERIFY(QTest::qWaitForWindowExposed(&other));
  other.setArgs(expected);
  QVERIFY(other.args() == expected);
  enterValue(other.findChild<QWidget*>(name), qs(defaultOf(name.toStdString()).value_or("")));
  QVERIFY2(other.args() == fitbench::FitArgs(), diff(other.args(), fitbench::FitArgs()).constData());
}

void TestArgsForm::noneableFieldsClearToNone() {
  ArgsForm form;
  form.show();
  QVERIFY(QTest::qWaitForWindowExposed(&form));
  int count = 0;
  for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
    if (spec.default_value) continue;
    ++count;
    QWidget* editor = form.editorFor(qs(spec.name));
    enterValue(editor, nonDefaultValue(spec));
    QVERIFY2(form.args().is_set(spec.name), spec.name.c_str());
    enterValue(editor, QString());
    QVERIFY2(form.isValid(), spec.name.c_str());
    QVERIFY2(!form.args().is_set(spec.name), spec.name.c_str());
  }
  QVERIFY(count >= 10);
  QVERIFY(form.args() == fitbench::FitArgs());
}

void TestArgsForm::presetsRoundTrip_data() {
  QTest::addColumn<QString>("name");
  for (const ExperimentPresets::Preset& preset : ExperimentPresets::all())
    QTest::newRow(qPrintable(preset.name)) << preset.name;
}

void TestArgsForm::presetsRoundTrip() {
  QFETCH(QString, name);
  const ExperimentPresets::Preset* preset = ExperimentPresets::find(name);
  QVERIFY(preset != nullptr);
  QVERIFY(!preset->description.isEmpty());
  QCOMPARE(ExperimentPresets::matching(preset->args), preset);

  ArgsForm form;
  QSignalSpy changed(&form, &ArgsForm::argsChanged);
  form.setArgs(preset->args);
  QCOMPARE(changed.count(), 1);
  QVERIFY2(form.args() == preset->args, diff(form.args(), preset->args).constData());

  // The editors show the values: re-entering every editor's own text changes nothing.
  form.show();
  QVERIFY(QTest::qWaitForWindowExposed(&form));
  for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
    QWidget* editor = form.editorFor(qs(spec.name));
    QString text;
    if (auto* combo = qobject_cast<QComboBox*>(editor))
      text = combo->currentText();
    else if (auto* check = qobject_cast<QCheckBox*>(editor))
      text = check->isChecked() ? QStringLiteral("1") : QStringLiteral("0");
    else
      text = qobject_cast<QLineEdit*>(editor)->text();
    QCOMPARE(text, qs(preset->args.raw(spec.name).value_or("")));
    enterValue(editor, text);
  }
  QVERIFY(form.isValid());
  QVERIFY2(form.args() == preset->args, diff(form.args(), preset->args).constData());
}

void TestArgsForm::presetsHaveTheirValues() {
  const ExperimentPresets::Preset* lenet = ExperimentPresets::find(QStringLiteral("LeNet on Fashion-MNIST"));
  QVERIFY(lenet);
  QCOMPARE(lenet->args.get_string("network"), std::string("lenet"));
  QCOMPARE(lenet->args.get_int("batch-size"), 64);
  QCOMPARE(lenet->args.get_float("lr"), 0.05);
  QCOMPARE(lenet->args.get_int("num-epochs"), 10);
  QCOMPARE(lenet->args.get_string("image-shape"), std::string("1,28,28"));

  const ExperimentPresets::Preset* mnist =
      ExperimentPresets::find(QStringLiteral("MXNet train_mnist defaults"));
  QVERIFY(mnist);
  QCOMPARE(mnist->args.get_string("network"), std::string("mlp"));
  QCOMPARE(mnist->args.get_int("num-epochs"), 20);

  const ExperimentPresets::Preset* resnet = ExperimentPresets::find(QStringLiteral("ResNet-20 CIFAR shape"));
  QVERIFY(resnet);
  QCOMPARE(resnet->args.get_string("network"), std::string("resnet"));
  QCOMPARE(resnet->args.get_int("num-layers"), 20);
  QCOMPARE(resnet->args.get_string("image-shape"), std::string("3,28,28"));
  QCOMPARE(resnet->args.get_int("batch-size"), 128);
  QCOMPARE(resnet->args.get_string("lr-step-epochs"), std::string("200,250"));
  QCOMPARE(resnet->args.get_int("num-epochs"), 300);
  QCOMPARE(resnet->args.get_int("num-classes"), 10);
  QCOMPARE(resnet->args.get_int("benchmark"), 1);
  QVERIFY(resnet->description.contains(QStringLiteral("not supported yet")));
  QVERIFY(resnet->description.contains(QStringLiteral("--benchmark 1")));
}

void TestArgsForm::invalidValuesAreRejected_data() {
  QTest::addColumn<QString>("name");
  QTest::addColumn<QString>("value");
  QTest::addColumn<QString>("reason");
  QTest::newRow("batch-size 0") << "batch-size"
                                << "0"
                                << "argument --batch-size: must be >= 1, got 0";
  QTest::newRow("batch-size empty") << "batch-size"
                                    << ""
                                    << "argument --batch-size: invalid int value: ''";
  QTest::newRow("lr abc") << "lr"
                          << "abc"
                          << "argument --lr: invalid float value: 'abc'";
  QTest::newRow("lr negative") << "lr"
                               << "-0.1"
                               << "argument --lr: must be >= 0, got -0.1";
  QTest::newRow("kv-store not a choice")
      << "kv-store"
      << "foo"
      << "argument --kv-store: invalid choice: 'foo' (choose from 'local', 'device'";
  QTest::newRow("lr-step-epochs decreasing") << "lr-step-epochs"
                                             << "5,3"
                                             << "argument --lr-step-epochs: must be increasing epochs";
  QTest::newRow("image-shape 2 dims") << "image-shape"
                                      << "3,28"
                                      << "must be channels,height,width";
  QTest::newRow("gpus") << "gpus"
                        << "0,x"
                        << "must be a comma list of GPU ids";
  QTest::newRow("top-k 1") << "top-k"
                           << "1"
                           << "must be 0 (no report) or >= 2, got 1";
  QTest::newRow("loss") << "loss"
                        << "mse"
                        << "must be ce, nll or nll_loss";
}

void TestArgsForm::invalidValuesAreRejected() {
  QFETCH(QString, name);
  QFETCH(QString, value);
  QFETCH(QString, reason);
  ArgsForm form;
  form.show();
  QVERIFY(QTest::qWaitForWindowExposed(&form));
  const fitbench::FitArgs before = form.args();
  QSignalSpy validity(&form, &ArgsForm::validityChanged);
  QSignalSpy errorsChanged(&form, &ArgsForm::errorsChanged);
  QWidget* editor = form.findChild<QWidget*>(name);
  QVERIFY(editor);
  auto* status = form.findChild<ElidedLabel*>(QStringLiteral("argsStatus"));
  QVERIFY(status);
  QVERIFY(status->isHidden());

  // Pasted: typed key by key, "5,3" passes through the valid "5".
  enterValue(editor, value, Entry::pasted);
  QVERIFY(!form.isValid());
  QCOMPARE(validity.count(), 1);
  QCOMPARE(validity.first().at(0).toBool(), false);
  QCOMPARE(errorsChanged.count(), 1);
  QVERIFY2(form.errorFor(name).startsWith(QStringLiteral("argument --") + name + QStringLiteral(": ")),
           qPrintable(form.errorFor(name)));
  QVERIFY2(form.errorFor(name).contains(reason), qPrintable(form.errorFor(name)));
  QVERIFY(editor->property("invalid").toBool());
  QVERIFY2(editor->toolTip().contains(form.errorFor(name).toHtmlEscaped()), qPrintable(editor->toolTip()));
  QVERIFY(status->isVisibleTo(&form));
  QVERIFY2(status->text().contains(reason), qPrintable(status->text()));
  // args() keeps the last valid value.
  QVERIFY2(form.args() == before, diff(form.args(), before).constData());

  // Fixing it clears the mark.
  validity.clear();
  enterValue(editor, qs(before.raw(name.toStdString()).value_or("")), Entry::pasted);
  QVERIFY(form.isValid());
  QCOMPARE(validity.count(), 1);
  QCOMPARE(validity.first().at(0).toBool(), true);
  QVERIFY(!editor->property("invalid").toBool());
  QVERIFY(!editor->toolTip().contains(reason.toHtmlEscaped()));
  QVERIFY(status->isHidden());
}

void TestArgsForm::intEditorsRefuseLetters() {
  ArgsForm form;
  form.show();
  QVERIFY(QTest::qWaitForWindowExposed(&form));
  auto* batch = qobject_cast<QLineEdit*>(form.editorFor(QStringLiteral("batch-size")));
  QVERIFY(batch);
  enterValue(batch, QStringLiteral("2x5"));
  QCOMPARE(batch->text(), QStringLiteral("25"));
  QCOMPARE(form.args().get_int("batch-size"), 25);
}

void TestArgsForm::setArgsClearsErrors() {
  ArgsForm form;
  form.show();
  QVERIFY(QTest::qWaitForWindowExposed(&form));
  enterValue(form.editorFor(QStringLiteral("lr")), QStringLiteral("abc"));
  enterValue(form.editorFor(QStringLiteral("batch-size")), QStringLiteral("0"));
  QCOMPARE(form.errors().size(), 2);
  auto* status = form.findChild<ElidedLabel*>(QStringLiteral("argsStatus"));
  QVERIFY(status->text().contains(QStringLiteral("1 more")));
  QSignalSpy validity(&form, &ArgsForm::validityChanged);
  form.setArgs(ExperimentPresets::all().front().args);
  QVERIFY(form.isValid());
  QCOMPARE(validity.count(), 1);
  QVERIFY(!form.editorFor(QStringLiteral("lr"))->property("invalid").toBool());
  QCOMPARE(qobject_cast<QLineEdit*>(form.editorFor(QStringLiteral("lr")))->text(), QStringLiteral("0.05"));
}

void TestArgsForm::readOnly() {
  ArgsForm form;
  form.setReadOnly(true);
  QVERIFY(form.isReadOnly());
  QVERIFY(qobject_cast<QLineEdit*>(form.editorFor(QStringLiteral("lr")))->isReadOnly());
  QVERIFY(!form.editorFor(QStringLiteral("kv-store"))->isEnabled());
  QVERIFY(!form.editorFor(QStringLiteral("benchmark"))->isEnabled());
  form.setReadOnly(false);
  QVERIFY(!qobject_cast<QLineEdit*>(form.editorFor(QStringLiteral("lr")))->isReadOnly());
  QVERIFY(form.editorFor(QStringLiteral("kv-store"))->isEnabled());
}

void TestArgsForm::filter() {
  ArgsForm form;
  form.show();
  QVERIFY(QTest::qWaitForWindowExposed(&form));
  auto* filter = form.findChild<QLineEdit*>(QStringLiteral("argsFilter"));
  QVERIFY(filter);
  QTest::keyClicks(filter, QStringLiteral("lr-"));
  QVERIFY(form.editorFor(QStringLiteral("lr-factor"))->isVisible());
  QVERIFY(!form.editorFor(QStringLiteral("batch-size"))->isVisible());
  QVERIFY(!form.findChild<QGroupBox*>(QStringLiteral("group:Network"))->isVisible());
  filter->clear();
  QVERIFY(form.editorFor(QStringLiteral("batch-size"))->isVisible());
  QVERIFY(form.findChild<QGroupBox*>(QStringLiteral("group:Network"))->isVisible());
}

// One explanation per --kv-store choice, each its own, in the schema's order.
void TestArgsForm::kvStoreHelpCoversTheChoices() {
  QStringList choices;
  for (const std::string& c : fitbench::find_arg("kv-store")->choices) choices << qs(c);
  QStringList types;
  QSet<QString> texts;
  for (const KvStoreHelp::Entry& entry : KvStoreHelp::all()) {
    types << entry.type;
    QVERIFY(!entry.explanation.isEmpty());
    texts.insert(entry.explanation);
  }
  QCOMPARE(types, choices);
  QCOMPARE(texts.size(), choices.size());
  QCOMPARE(KvStoreHelp::explain(QStringLiteral("foo")), QString());
}

void TestArgsForm::kvStoreChoiceExplained_data() {
  QTest::addColumn<QString>("type");
  for (const std::string& c : fitbench::find_arg("kv-store")->choices) QTest::newRow(c.c_str()) << qs(c);
}

void TestArgsForm::kvStoreChoiceExplained() {
  QFETCH(QString, type);
  ArgsForm form;
  form.show();
  QVERIFY(QTest::qWaitForWindowExposed(&form));
  auto* explanation = form.findChild<QLabel*>(QStringLiteral("kv-store:explanation"));
  QVERIFY(explanation);
  QWidget* editor = form.editorFor(QStringLiteral("kv-store"));

  enterValue(editor, type);
  QCOMPARE(qs(form.args().get_string("kv-store")), type);
  QCOMPARE(explanation->text(), KvStoreHelp::explain(type));
  QVERIFY(explanation->isVisible());
  // Only the dist types say how to start their workers.
  QCOMPARE(explanation->text().contains(QStringLiteral("Processes")),
           type.startsWith(QStringLiteral("dist")));
  // The help text of the tooltip stays the schema's.
  QVERIFY(editor->toolTip().contains(qs(fitbench::find_arg("kv-store")->help).toHtmlEscaped()));

  // A value that is no kvstore type explains nothing; choosing one again does.
  enterValue(editor, QStringLiteral("foo"));
  QVERIFY(!explanation->isVisible());
  enterValue(editor, type);
  QVERIFY(explanation->isVisible());
  // The explanation follows its field in and out of the filter.
  auto* filter = form.findChild<QLineEdit*>(QStringLiteral("argsFilter"));
  QTest::keyClicks(filter, QStringLiteral("batch-size"));
  QVERIFY(!explanation->isVisible());
  filter->clear();
  QVERIFY(explanation->isVisible());
  // setArgs() shows the explanation of the value it sets.
  fitbench::FitArgs args;
  args.set("kv-store", "local");
  form.setArgs(args);
  QCOMPARE(explanation->text(), KvStoreHelp::explain(QStringLiteral("local")));
}

QTEST_MAIN(TestArgsForm)
#include "tst_argsform.moc"
