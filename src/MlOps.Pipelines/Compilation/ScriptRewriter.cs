using System.Text;
using MlOps.Pipelines.Parsing;

namespace MlOps.Pipelines.Compilation;

/// <summary>
/// Replaces <c>${{ ... }}</c> in an inline <c>run:</c> script with a reference to an environment
/// variable that holds the value. The value itself never enters the script text, so it cannot
/// inject shell; the shell only expands a variable. Quoting follows the surrounding context, so
/// the expansion stays one word.
/// </summary>
internal static class ScriptRewriter
{
    public static string Rewrite(string script, Func<Expression, string> variableFor)
    {
        var references = Expressions.FindAll(script);
        if (references.Count == 0) return script;
        var sb = new StringBuilder(script.Length + 32);
        var quote = '\0';
        var next = 0;
        for (var i = 0; i < script.Length;)
        {
            if (next < references.Count && references[next].Index == i)
            {
                var name = variableFor(references[next]);
                sb.Append(quote switch
                {
                    '"' => "${" + name + "}",
                    '\'' => "'\"${" + name + "}\"'", // close the single quotes, expand, reopen
                    _ => "\"${" + name + "}\"",
                });
                i += references[next++].Length;
                continue;
            }
            var c = script[i];
            if (c == '\\' && quote != '\'' && i + 1 < script.Length)
            {
                sb.Append(c).Append(script[i + 1]);
                i += 2;
                continue;
            }
            if (c is '"' or '\'' && (quote == '\0' || quote == c)) quote = quote == '\0' ? c : '\0';
            sb.Append(c);
            i++;
        }
        return sb.ToString();
    }
}
