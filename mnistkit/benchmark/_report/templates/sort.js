document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th, column){
    th.classList.add('sortable');
    th.addEventListener('click', function(){
      var body = table.tBodies[0], rows = Array.from(body.rows);
      var ascending = th.dataset.order !== 'asc'; th.dataset.order = ascending ? 'asc' : 'desc';
      rows.sort(function(a, b){
        var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
        if (x === undefined) x = a.cells[column].textContent;
        if (y === undefined) y = b.cells[column].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
        return ascending ? cmp : -cmp;
      });
      rows.forEach(function(row){ body.appendChild(row); });
    });
  });
});
