using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

internal static class InputParser
{
    public static InputSource? Read(YNode node, NodeReader r, string what)
    {
        if (node is YScalar { IsNull: false } s)
        {
            if (Expressions.Contains(s.Value))
            {
                if (Expressions.Whole(s.Value) is { Scope: "steps" } e) return new StepOutputInput(e.Step!, e.Name, node.Line, node.Column);
                r.Errors.Add(node, $"{what} must be a path or exactly one ${{{{ steps.<step>.outputs.<name> }}}}, got '{s.Value}'");
                return null;
            }
            return CheckPath(s, r, what) ? new RepositoryInput(Normalize(s.Value), node.Line, node.Column) : null;
        }
        if (r.Mapping(node, what) is not { } map) return null;
        r.AllowKeys(map, what, ["project", "ref", "path"]);
        var path = ".";
        if (map.Get("path") is { } p)
        {
            if (p is not YScalar ps || !CheckPath(ps, r, what)) return null;
            path = Normalize(ps.Value);
        }
        if (map.Get("project") is not { } projectNode)
        {
            if (map.Get("path") is null) r.Errors.Add(node, $"{what} needs a path or a project", "inputs: { table: data/iris.csv } or { project: group/datasets, ref: v3, path: data/ }");
            return map.Get("path") is null ? null : new RepositoryInput(path, node.Line, node.Column);
        }
        var project = r.String(projectNode, $"project of {what}");
        if (project is not null && (project.Split('/').Length < 2 || project.Split('/').Any(seg => !Names.StepName().IsMatch(seg.Replace('.', '_')))))
        {
            r.Errors.Add(projectNode, $"project '{project}' of {what} is not a project path", "write the full path, e.g. acme/datasets/iris");
            return null;
        }
        if (map.Get("ref") is not { } refNode)
        {
            r.Errors.Add(node, $"{what} names a project but no ref", "add ref: a tag, branch or commit SHA (a tag or SHA keeps runs reproducible)");
            return null;
        }
        var gitRef = r.String(refNode, $"ref of {what}");
        return project is null || gitRef is null ? null : new ProjectInput(project, gitRef, path, node.Line, node.Column);
    }

    /// <summary>A path inside the repository: relative, without '..', so a step can never read outside it.</summary>
    public static bool CheckPath(YScalar node, NodeReader r, string what)
    {
        var path = node.Value;
        string? why = path.Length == 0 ? "must not be empty"
            : path.StartsWith('/') ? "must be relative to the repository root"
            : path.Contains('\\') ? "must use '/' as separator"
            : path.Split('/').Contains("..") ? "must not contain '..'"
            : path.Any(char.IsControl) ? "must not contain control characters"
            : null;
        if (why is null) return true;
        r.Errors.Add(node, $"path of {what} {why}, got '{path}'");
        return false;
    }

    private static string Normalize(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}
