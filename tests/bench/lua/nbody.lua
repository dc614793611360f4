-- nbody: the peer of examples/nbody.toy in Lua 5.4 (same operation order, so the same digits).
local sqrt = math.sqrt
local PI = 3.141592653589793
local SOLAR_MASS = 4.0 * PI * PI
local DPY = 365.24
local function planet(x,y,z,vx,vy,vz,mass)
  return {x=x,y=y,z=z,vx=vx*DPY,vy=vy*DPY,vz=vz*DPY,mass=mass*SOLAR_MASS}
end
local bodies = {
  {x=0.0,y=0.0,z=0.0,vx=0.0,vy=0.0,vz=0.0,mass=SOLAR_MASS},
  planet(4.84143144246472090, -1.16032004402742839, -0.103622044471123109, 0.00166007664274403694, 0.00769901118419740425, -0.0000690460016972063023, 0.000954791938424326609),
  planet(8.34336671824457987, 4.12479856412430479, -0.403523417114321381, -0.00276742510726862411, 0.00499852801234917238, 0.0000230417297573763929, 0.000285885980666130812),
  planet(12.8943695621391310, -15.1111514016986312, -0.223307578892655734, 0.00296460137564761618, 0.00237847173959480950, -0.0000296589568540237556, 0.0000436624404335156298),
  planet(15.3796971148509165, -25.9193146099879641, 0.179258772950371181, 0.00268067772490389322, 0.00162824170038242295, -0.0000951592254519715870, 0.0000515138902046611451),
}
local n = #bodies
local function energy()
  local e = 0.0
  for i=1,n do local b=bodies[i]
    e = e + 0.5*b.mass*(b.vx*b.vx+b.vy*b.vy+b.vz*b.vz)
    for j=i+1,n do local b2=bodies[j]
      local dx,dy,dz=b.x-b2.x,b.y-b2.y,b.z-b2.z
      e = e - (b.mass*b2.mass)/sqrt(dx*dx+dy*dy+dz*dz)
    end
  end
  return e
end
local function advance(dt)
  for i=1,n do local b=bodies[i]
    for j=i+1,n do local b2=bodies[j]
      local dx,dy,dz=b.x-b2.x,b.y-b2.y,b.z-b2.z
      local d2=dx*dx+dy*dy+dz*dz
      local mag=dt/(d2*sqrt(d2))
      b.vx=b.vx-dx*b2.mass*mag; b.vy=b.vy-dy*b2.mass*mag; b.vz=b.vz-dz*b2.mass*mag
      b2.vx=b2.vx+dx*b.mass*mag; b2.vy=b2.vy+dy*b.mass*mag; b2.vz=b2.vz+dz*b.mass*mag
    end
  end
  for i=1,n do local b=bodies[i]; b.x=b.x+dt*b.vx; b.y=b.y+dt*b.vy; b.z=b.z+dt*b.vz end
end
local px,py,pz=0.0,0.0,0.0
for i=1,n do local b=bodies[i]; px=px+b.vx*b.mass; py=py+b.vy*b.mass; pz=pz+b.vz*b.mass end
bodies[1].vx=-px/SOLAR_MASS; bodies[1].vy=-py/SOLAR_MASS; bodies[1].vz=-pz/SOLAR_MASS
local N = tonumber(arg and arg[1]) or 1000
print(string.format("%.9f", energy()))
for i=1,N do advance(0.01) end
print(string.format("%.9f", energy()))
