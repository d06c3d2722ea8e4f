// KvStoreHelp: what each --kv-store type does, in a sentence or three, for the
// experiment form (MXNet's kvstore.create docstring, retold). One table holds
// the texts; the form shows the one of the chosen type under the field.
#pragma once

#include <QList>
#include <QString>

class KvStoreHelp {
 public:
  struct Entry {
    QString type;         // a --kv-store choice
    QString explanation;  // plain text
  };

  // Every --kv-store choice, in the schema's order.
  static const QList<Entry>& all();
  // The explanation of `type`, "" for a value that is no kvstore type.
  static QString explain(const QString& type);
};
