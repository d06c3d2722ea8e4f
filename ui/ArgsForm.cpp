#include "ArgsForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCursor>
#include <QDir>
#include <QFileDialog>
#include <QFontMetrics>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QScrollArea>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "ElidedLabel.h"
#include "KvStoreHelp.h"

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// A 0/1 switch: an Int whose check takes 0 and 1 and nothing else.
bool isFlag(const fitbench::ArgSpec& spec) {
  if (spec.type != fitbench::ArgType::Int || !spec.validate || !spec.choices.empty()) return false;
  if (spec.default_value != "0" && spec.default_value != "1") return false;
  return !spec.validate("0") && !spec.validate("1") && spec.validate("2") && spec.validate("-1");
}

QString typeName(const fitbench::ArgSpec& spec) {
  if (isFlag(spec)) return QStringLiteral("0 or 1");
  switch (spec.type) {
    case fitbench::ArgType::Int:
      return QStringLiteral("int");
    case fitbench::ArgType::Float:
      return QStringLiteral("float");
    case fitbench::ArgType::String:
      break;
  }
  return QStringLiteral("string");
}

QString defaultText(const fitbench::ArgSpec& spec) {
  if (!spec.default_value) return QStringLiteral("None");
  if (spec.default_value->empty()) return QStringLiteral("''");
  return qs(*spec.default_value);
}

// The tooltip of an argument's label and editor: rich text, so that it wraps.
QString toolTipFor(const fitbench::ArgSpec& spec, const QString& error) {
  QString tip = QStringLiteral("<qt><p><b>--%1</b> &nbsp;<i>%2, default %3</i></p><p>%4</p>")
                    .arg(qs(spec.name).toHtmlEscaped(), typeName(spec), defaultText(spec).toHtmlEscaped(),
                         qs(spec.help).toHtmlEscaped());
  if (!spec.choices.empty()) {
    QStringList choices;
    for (const std::string& c : spec.choices) choices << qs(c);
    tip += QStringLiteral("<p>Choices: %1</p>").arg(choices.join(QStringLiteral(", ")).toHtmlEscaped());
  }
  if (!spec.default_value) tip += QStringLiteral("<p>Leave empty for None.</p>");
  if (!error.isEmpty()) tip += QStringLiteral("<p style='color:#c62828'>%1</p>").arg(error.toHtmlEscaped());
  return tip + QStringLiteral("</qt>");
}

// A Float whose default is an integer ("0", "1": data.py's default=0) reads
// back from the editor as "0.0". The same number keeps the default's text, so
// the field still counts as default (bold label, preset match, command line).
void keepDefaultSpelling(const fitbench::ArgSpec& spec, fitbench::FitArgs& args) {
  if (spec.type != fitbench::ArgType::Float || !spec.default_value) return;
  const std::optional<std::string> value = args.raw(spec.name);
  if (!value || value == spec.default_value) return;
  const std::optional<double> typed = fitbench::parse_python_float(*value);
  const std::optional<double> byDefault = fitbench::parse_python_float(*spec.default_value);
  if (!typed || !byDefault || *typed != *byDefault) return;
  // FitArgs::from_json keeps a JSON integer for a Float as written.
  nlohmann::json j = args.to_json();
  j[spec.name] = nlohmann::json::parse(*spec.default_value);
  args = fitbench::FitArgs::from_json(j);
}

// The arguments whose chosen value is explained under the editor, and where
// the explanations come from.
using Explainer = QString (*)(const QString& value);
Explainer explainerFor(const std::string& name) {
  static const struct {
    const char* name;
    Explainer explain;
  } explained[] = {{"kv-store", &KvStoreHelp::explain}};
  for (const auto& e : explained) {
    if (name == e.name) return e.explain;
  }
  return nullptr;
}

void repolish(QWidget* widget) {
  widget->style()->unpolish(widget);
  widget->style()->polish(widget);
  widget->update();
}

}  // namespace

ArgsForm::ArgsForm(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("argsForm"));
  buildUi();
  setArgs(m_args);
}

void ArgsForm::buildUi() {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  auto* filter = new QLineEdit(this);
  filter->setObjectName(QStringLiteral("argsFilter"));
  filter->setPlaceholderText(tr("Filter arguments…"));
  filter->setClearButtonEnabled(true);
  connect(filter, &QLineEdit::textChanged, this, &ArgsForm::setFilter);
  layout->addWidget(filter);

  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  m_content = new QWidget(scroll);
  auto* contentLayout = new QVBoxLayout(m_content);
  contentLayout->setContentsMargins(0, 0, 4, 0);

  // One group box per schema group, in the order the schema first names them.
  QGroupBox* group = nullptr;
  QFormLayout* form = nullptr;
  QString groupName;
  const std::vector<fitbench::ArgSpec>& schema = fitbench::fit_arg_schema();
  m_fields.reserve(schema.size());
  for (const fitbench::ArgSpec& spec : schema) {
    const QString name = qs(spec.group);
    if (group == nullptr || name != groupName) {
      QGroupBox* existing = nullptr;
      for (const Field& f : m_fields) {
        if (f.group->objectName() == QStringLiteral("group:") + name) existing = f.group;
      }
      if (existing != nullptr) {
        group = existing;
        form = static_cast<QFormLayout*>(existing->layout());
      } else {
        QString title = name;
        group =
            new QGroupBox(title.replace(QLatin1Char('&'), QStringLiteral("&&")), m_content);  // no mnemonic
        group->setObjectName(QStringLiteral("group:") + name);
        form = new QFormLayout(group);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
        contentLayout->addWidget(group);
      }
      groupName = name;
    }
    Field field;
    field.spec = &spec;
    field.group = group;
    field.layout = form;
    field.noneable = !spec.default_value.has_value();
    field.editor = createEditor(field);
    field.editor->setObjectName(qs(spec.name));
    field.label = new QLabel(qs(spec.name), group);
    field.label->setBuddy(field.editor);
    field.label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    const QString tip = toolTipFor(spec, QString());
    field.label->setToolTip(tip);
    field.editor->setToolTip(tip);
    form->addRow(field.label, field.editor);
    field.explain = explainerFor(spec.name);
    if (field.explain != nullptr) {
      field.explanation = new QLabel(group);
      field.explanation->setObjectName(qs(spec.name) + QStringLiteral(":explanation"));
      field.explanation->setTextFormat(Qt::PlainText);
      field.explanation->setWordWrap(true);
      field.explanation->setForegroundRole(QPalette::PlaceholderText);
      form->addRow(nullptr, field.explanation);
    }
    m_fields.push_back(field);
  }
  // One label column for all groups, so the editors line up.
  int labelWidth = 0;
  for (const Field& field : m_fields) {
    QFont bold = field.label->font();  // a modified argument's label is bold
    bold.setBold(true);
    labelWidth = std::max(labelWidth, QFontMetrics(bold).horizontalAdvance(field.label->text()) + 4);
  }
  for (const Field& field : m_fields) field.label->setMinimumWidth(labelWidth);
  contentLayout->addStretch(1);
  scroll->setWidget(m_content);
  layout->addWidget(scroll, 1);

  m_status = new ElidedLabel(this);
  m_status->setObjectName(QStringLiteral("argsStatus"));
  m_status->setStyleSheet(QStringLiteral("color: #c62828;"));
  m_status->hide();
  layout->addWidget(m_status);

  setStyleSheet(
      QStringLiteral("QLineEdit[invalid=\"true\"], QComboBox[invalid=\"true\"] {"
                     " border: 2px solid #d32f2f; border-radius: 3px; }"));

  for (const Field& field : m_fields) {
    const Field* f = &field;  // m_fields no longer grows
    if (field.combo != nullptr)
      connect(field.combo, &QComboBox::currentTextChanged, this, [this, f] { onEdited(*f); });
    else if (field.check != nullptr)
      connect(field.check, &QCheckBox::toggled, this, [this, f] { onEdited(*f); });
    else
      connect(field.line, &QLineEdit::textChanged, this, [this, f] { onEdited(*f); });
  }
}

QWidget* ArgsForm::createEditor(Field& field) {
  const fitbench::ArgSpec& spec = *field.spec;
  if (!spec.choices.empty() || !spec.suggestions.empty()) {
    // Editable, so a typed value is checked (and completed) like any other.
    field.combo = new QComboBox(field.group);
    field.combo->setEditable(true);
    field.combo->setInsertPolicy(QComboBox::NoInsert);
    if (field.noneable) field.combo->addItem(QString());
    for (const std::string& choice : spec.choices.empty() ? spec.suggestions : spec.choices)
      field.combo->addItem(qs(choice));
    return field.combo;
  }
  if (isFlag(spec)) {
    field.check = new QCheckBox(field.group);
    return field.check;
  }
  field.line = new QLineEdit(field.group);
  field.line->setClearButtonEnabled(field.noneable);
  if (spec.path != fitbench::ArgSpec::Path::None) addBrowseAction(field);
  if (field.noneable)
    field.line->setPlaceholderText(QStringLiteral("None"));
  else if (spec.default_value->empty())
    field.line->setPlaceholderText(tr("(empty)"));
  if (spec.type == fitbench::ArgType::Int) {
    // The characters of Python's int(); the value itself is checked by FitArgs.
    static const QRegularExpression intChars(QStringLiteral(R"(\s*[+-]?[0-9_]*\s*)"));
    field.line->setValidator(new QRegularExpressionValidator(intChars, field.line));
  }
  return field.line;
}

// A folder button inside a path's field: the picker its kind of path needs,
// starting where the field points.
void ArgsForm::addBrowseAction(Field& field) {
  QLineEdit* line = field.line;
  const fitbench::ArgSpec& spec = *field.spec;
  QAction* browse = line->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon), QLineEdit::TrailingPosition);
  browse->setObjectName(QStringLiteral("browse:") + qs(spec.name));
  browse->setToolTip(tr("Choose…"));
  connect(browse, &QAction::triggered, this, [this, line, kind = spec.path, name = qs(spec.name)] {
    using Path = fitbench::ArgSpec::Path;
    const QString start = line->text().isEmpty() ? QDir::currentPath() : line->text();
    Path pick = kind;
    if (kind == Path::FileOrFolder) {
      // Data is a file (.rec) or a folder (idx files, an image tree): ask which.
      QMenu menu(this);
      QAction* file = menu.addAction(tr("A file (RecordIO .rec)…"));
      menu.addAction(tr("A folder (idx files, or images in class folders)…"));
      QAction* picked = menu.exec(QCursor::pos());
      if (picked == nullptr) return;
      pick = picked == file ? Path::File : Path::Folder;
    }
    QString chosen;
    if (pick == Path::Folder) {
      chosen = QFileDialog::getExistingDirectory(this, tr("--%1: a folder").arg(name), start);
    } else if (pick == Path::Prefix) {
      // A prefix to load names files that exist: one of them. One to save
      // under may name files to come: any name in a folder. Either way the
      // checkpoint suffixes are taken off.
      if (name == QStringLiteral("load-prefix"))
        chosen = QFileDialog::getOpenFileName(this, tr("--%1: a checkpoint to load").arg(name), start,
                                              tr("Checkpoints (*-symbol.json *.params)"));
      else
        chosen = QFileDialog::getSaveFileName(this, tr("--%1: a checkpoint prefix").arg(name), start, {}, nullptr,
                                              QFileDialog::DontConfirmOverwrite);
      static const QRegularExpression suffix(QStringLiteral(R"(-(symbol\.json|\d{4,}\.(params|states))$)"));
      chosen.remove(suffix);
    } else {
      chosen = QFileDialog::getOpenFileName(this, tr("--%1: a file").arg(name), start);
    }
    if (!chosen.isEmpty()) line->setText(QDir::toNativeSeparators(chosen));
  });
}

QString ArgsForm::editorText(const Field& field) const {
  if (field.combo != nullptr) return field.combo->currentText();
  if (field.check != nullptr) return field.check->isChecked() ? QStringLiteral("1") : QStringLiteral("0");
  return field.line->text();
}

void ArgsForm::showValue(const Field& field) {
  const std::optional<std::string> value = m_args.raw(field.spec->name);
  const QString text = value ? qs(*value) : QString();
  if (field.combo != nullptr) {
    const int index = field.combo->findText(text);
    if (index >= 0) field.combo->setCurrentIndex(index);
    field.combo->setEditText(text);
  } else if (field.check != nullptr) {
    field.check->setChecked(text == QStringLiteral("1"));
  } else {
    field.line->setText(text);
    field.line->setCursorPosition(0);
  }
  updateExplanation(field);
}

void ArgsForm::updateExplanation(const Field& field) {
  if (field.explanation == nullptr) return;
  // What the editor shows, valid or not: a value that is no choice explains nothing.
  const QString text = field.explain(editorText(field).trimmed());
  field.explanation->setText(text);
  field.layout->setRowVisible(field.explanation, !text.isEmpty() && field.layout->isRowVisible(field.editor));
}

void ArgsForm::setArgs(const fitbench::FitArgs& args) {
  const bool wasValid = isValid();
  const bool changed = !(args == m_args);
  m_args = args;
  m_updating = true;
  m_errors.clear();
  for (const Field& field : m_fields) {
    showValue(field);
    showFieldProblem(field);
    updateLabel(field);
  }
  m_updating = false;
  updateStatus();
  if (changed) emit argsChanged();
  if (!wasValid) {
    emit errorsChanged();
    emit validityChanged(true);
  }
}

void ArgsForm::onEdited(const Field& field) {
  if (m_updating) return;
  const std::string name = field.spec->name;
  const QString text = editorText(field);
  updateExplanation(field);
  const bool wasValid = isValid();
  fitbench::FitArgs edited = m_args;
  QString error;
  try {
    if (field.noneable && text.trimmed().isEmpty())
      edited.unset(name);
    else
      edited.set(name, text.toStdString());
  } catch (const fitbench::Error& e) {
    error = QString::fromUtf8(e.what());
  }
  if (error.isEmpty()) keepDefaultSpelling(*field.spec, edited);
  const bool errorChanged = m_errors.value(qs(name)) != error;
  if (error.isEmpty())
    m_errors.remove(qs(name));
  else
    m_errors.insert(qs(name), error);
  showFieldProblem(field);
  updateStatus();
  if (errorChanged) emit errorsChanged();
  if (error.isEmpty() && !(edited == m_args)) {
    m_args = std::move(edited);
    updateLabel(field);
    emit argsChanged();
  }
  if (wasValid != isValid()) emit validityChanged(isValid());
}

void ArgsForm::showFieldProblem(const Field& field) {
  const QString name = qs(field.spec->name);
  const QString reason = m_errors.value(name, m_startProblems.value(name));
  const bool invalid = !reason.isEmpty();
  const QString tip = toolTipFor(*field.spec, reason);
  field.editor->setToolTip(tip);
  field.label->setToolTip(tip);
  if (field.editor->property("invalid").toBool() == invalid) return;
  field.editor->setProperty("invalid", invalid);
  repolish(field.editor);
}

// A label in bold marks an argument that differs from the schema's default.
void ArgsForm::updateLabel(const Field& field) {
  const bool modified = m_args.raw(field.spec->name) != field.spec->default_value;
  QFont font = field.label->font();
  if (font.bold() == modified) return;
  font.setBold(modified);
  field.label->setFont(font);
}

QStringList ArgsForm::inSchemaOrder(const QHash<QString, QString>& byName) const {
  QStringList out;
  for (const Field& field : m_fields) {
    const auto it = byName.constFind(qs(field.spec->name));
    if (it != byName.constEnd()) out << *it;
  }
  return out;
}

QStringList ArgsForm::errors() const { return inSchemaOrder(m_errors); }

void ArgsForm::setStartProblems(const std::vector<fitbench::StartProblem>& problems) {
  QHash<QString, QString> byName;
  for (const fitbench::StartProblem& p : problems) byName.insert(qs(p.argument), QString::fromStdString(p.message));
  if (byName == m_startProblems) return;
  m_startProblems = std::move(byName);
  for (const Field& field : m_fields) showFieldProblem(field);
  updateStatus();
  emit startProblemsChanged();
}

QStringList ArgsForm::startProblems() const { return inSchemaOrder(m_startProblems); }

void ArgsForm::updateStatus() {
  const QStringList all = errors() + startProblems();
  if (all.isEmpty()) {
    m_status->clear();
    m_status->hide();
    return;
  }
  QString text = all.front();
  if (all.size() > 1) text += tr(" (and %n more problem(s))", nullptr, static_cast<int>(all.size() - 1));
  m_status->setText(text);
  m_status->show();
}

void ArgsForm::setReadOnly(bool readOnly) {
  m_readOnly = readOnly;
  for (const Field& field : m_fields) {
    if (field.line != nullptr)
      field.line->setReadOnly(readOnly);
    else
      field.editor->setEnabled(!readOnly);
  }
}

void ArgsForm::setFilter(const QString& text) {
  const QString needle = text.trimmed();
  QHash<QGroupBox*, bool> groupVisible;
  for (const Field& field : m_fields) {
    const bool visible = needle.isEmpty() || qs(field.spec->name).contains(needle, Qt::CaseInsensitive) ||
                         qs(field.spec->help).contains(needle, Qt::CaseInsensitive);
    field.layout->setRowVisible(field.editor, visible);
    updateExplanation(field);
    groupVisible[field.group] = groupVisible.value(field.group) || visible;
  }
  for (auto it = groupVisible.cbegin(); it != groupVisible.cend(); ++it) it.key()->setVisible(it.value());
}

QWidget* ArgsForm::editorFor(const QString& name) const {
  for (const Field& field : m_fields) {
    if (qs(field.spec->name) == name) return field.editor;
  }
  return nullptr;
}
