// ArgsForm: the experiment panel's form, generated from fitbench::fit_arg_schema().
// One group box per schema group (in schema order) and one editor per argument,
// whose objectName is the argument's name ("batch-size"):
//   - an editable QComboBox for arguments with choices,
//   - a QCheckBox for 0/1 flags (an Int whose check accepts only 0 and 1),
//   - a QLineEdit for the rest (ints with a validator that admits only the
//     characters of a Python int); an empty field means None where the
//     argument's default is None.
// Every edit is checked by setting it on a copy of the arguments
// (FitArgs::set throws ArgError with the reason). A bad field gets a red
// frame (dynamic property "invalid"), the reason in its tooltip and in the
// form's status label, and args() keeps the field's last valid value.
// Problems of well-formed values that the core finds before a start (a path
// that does not exist, --gpus this machine lacks: fitbench::start_problems)
// are marked the same way through setStartProblems().
// An argument whose choices need more words than its tooltip (--kv-store) has
// a line under its editor explaining the value chosen (objectName
// "<name>:explanation"; KvStoreHelp holds the texts).
#pragma once

#include <QHash>
#include <QString>
#include <QWidget>

#include <string>
#include <vector>

#include "fitbench/fit.h"
#include "fitbench/fit_args.h"

class ElidedLabel;
class QCheckBox;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;

class ArgsForm : public QWidget {
  Q_OBJECT

 public:
  explicit ArgsForm(QWidget* parent = nullptr);

  // Shows `args` in every editor and clears every error.
  void setArgs(const fitbench::FitArgs& args);
  // The arguments as edited; a field that is invalid now keeps its last valid value.
  fitbench::FitArgs args() const { return m_args; }

  bool isValid() const { return m_errors.isEmpty(); }
  // "argument --batch-size: must be >= 1, got 0" for an invalid field, "" for a valid one.
  QString errorFor(const QString& name) const { return m_errors.value(name); }
  // The reasons of every invalid field, in schema order.
  QStringList errors() const;

  // Marks the fields of these problems until the next call; they do not make
  // isValid() false (the values are well-formed, the world may change).
  void setStartProblems(const std::vector<fitbench::StartProblem>& problems);
  // Their messages, in schema order.
  QStringList startProblems() const;

  // While training runs the form only shows the arguments.
  void setReadOnly(bool readOnly);
  bool isReadOnly() const { return m_readOnly; }

  // Shows only the arguments whose name or help contains `text` (empty: all).
  void setFilter(const QString& text);

  // The editor of an argument (nullptr for an unknown name).
  QWidget* editorFor(const QString& name) const;

 signals:
  // args() changed: a field now holds a different valid value, or setArgs()
  // gave different arguments.
  void argsChanged();
  void validityChanged(bool valid);
  // errors() changed (a field became invalid or valid, or its reason changed).
  void errorsChanged();
  // startProblems() changed.
  void startProblemsChanged();

 private:
  struct Field {
    const fitbench::ArgSpec* spec = nullptr;
    QWidget* editor = nullptr;
    QLabel* label = nullptr;
    QGroupBox* group = nullptr;
    QFormLayout* layout = nullptr;
    QComboBox* combo = nullptr;
    QCheckBox* check = nullptr;
    QLineEdit* line = nullptr;
    QLabel* explanation = nullptr;  // under the editor, for arguments with explained choices
    QString (*explain)(const QString& value) = nullptr;
    bool noneable = false;
  };

  void buildUi();
  QWidget* createEditor(Field& field);
  void addBrowseAction(Field& field);
  void onEdited(const Field& field);
  QString editorText(const Field& field) const;
  void showValue(const Field& field);
  // Shows the field's parse error, or else its start problem, or neither.
  void showFieldProblem(const Field& field);
  void updateLabel(const Field& field);
  void updateExplanation(const Field& field);
  void updateStatus();
  // The values of `byName` in the order of the fields.
  QStringList inSchemaOrder(const QHash<QString, QString>& byName) const;

  std::vector<Field> m_fields;  // in schema order
  QHash<QString, QString> m_errors;          // parse errors, by argument name
  QHash<QString, QString> m_startProblems;   // by argument name
  ElidedLabel* m_status = nullptr;
  QWidget* m_content = nullptr;
  fitbench::FitArgs m_args;
  bool m_updating = false;
  bool m_readOnly = false;
};
